# Metadata lives in setup.cfg; this stub exists for tools that still call setup.py.
from setuptools import setup

setup()
