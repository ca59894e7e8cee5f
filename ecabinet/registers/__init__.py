"""What the registers (sổ) share: the outgoing documents' register (decisions), the incoming
register and the outgoing exchange register (interchange) are three books with one way of
being read.

- :mod:`.filters`: the query string of a register's page (and of its API) read into a
  :class:`~.filters.Filter`, a value the register does not know refused with a clear answer;
- :mod:`.exports`: a register's rows written as .csv or .xlsx, no cell able to become a
  formula, and sent as a download with its (Vietnamese) name;
- ``ecabinet/templates/_register.html`` (beside ``_pager.html``): the Jinja macros of the
  page's head with its exports, the filter form and the table's frame.

Each register keeps what is its own: its columns, its access rule, its query. No Flask
blueprint here, no model: a shared core module, like :mod:`ecabinet.house_style`.
"""
