"""Minutes (biên bản) and the conclusions notice (thông báo kết luận) of a meeting.

- :mod:`.record`: :func:`~.record.build_record` reads what the session recorded (attendance and
  quorum, items, positions, who spoke, votes with their rule, tally and outcome) into a plain
  :class:`~.record.MeetingRecord`;
- :mod:`.wording`: the record's sentences (a vote's lines, an item's outcome), which the
  decisions' drafts reuse;
- :mod:`.documents`: :func:`~.documents.render_minutes` and
  :func:`~.documents.render_conclusions` lay that record out as a .docx in the house style of
  the Government's documents (:mod:`ecabinet.house_style`, Decree 30/2020/NĐ-CP). They need no
  database and no app;
- :mod:`.uploads`: what an edited .docx must be to be taken back, and its file name;
- :mod:`.services`: the secretariat generates a version, edits it in a word processor, uploads
  the edited file as a new version and finally locks one, which closes the series. Every
  version is kept (its bytes in :mod:`ecabinet.storage`, by SHA-256) and every change is
  audited.

The documents are in Vietnamese whatever the reader's interface language: they are the
Government's records, so their text is not put through the interface translations.
"""
