"""Documents between organisations through the national document interchange axis (trục liên
thông văn bản quốc gia): the edXML package format (:mod:`ecabinet.interchange.edxml`) and the
axis transport (:mod:`ecabinet.interchange.axis`)."""
