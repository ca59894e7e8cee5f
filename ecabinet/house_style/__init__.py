"""The house style of the Government's issued documents (Decree 30/2020/NĐ-CP, Appendix I).

:mod:`.writer` sets up the page and the fonts and writes paragraphs, rules and tables;
:mod:`.blocks` lays out the header, the title and the recipients. Used by the minutes, the
decisions, the polls' result and the demo's dossier.
"""
