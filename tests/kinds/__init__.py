"""Kinds of exercise that exist only for the tests."""
