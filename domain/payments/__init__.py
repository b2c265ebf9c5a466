"""Paying suppliers: terms, quotes, payments, money taken back."""
