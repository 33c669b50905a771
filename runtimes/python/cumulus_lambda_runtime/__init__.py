"""Cumulus's Python Lambda runtime: the parts bootstrap.py uses (a package name no function will clash with)."""
