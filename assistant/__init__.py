"""Trợ lý SHTT — cited answers to Vietnamese intellectual-property questions.

Data flows one way: load → chunk → embed/store → retrieve → answer → serve.
"""

__version__ = "0.1.0"
