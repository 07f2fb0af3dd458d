"""Wording: what a citizen reads, rendered from the gettext catalogs (`locales/`) in kk and ru."""
