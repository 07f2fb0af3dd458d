"""Pure rules of the proactive service: what the law asks, with no I/O and no clock of its own.

Everything here takes `now` (or a date) as an argument. The law is Order No. 509 of
30 Dec 2024 amending the burial rules (Order No. 256) and the disability and survivor
rules (Order No. 257); comments such as `# burial p.13(5)` point at its paragraphs.
"""
