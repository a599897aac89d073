-- One PostgreSQL server on one host, one database per service: no service reads another's.
CREATE DATABASE auth;
CREATE DATABASE journal;
CREATE DATABASE messaging;
CREATE DATABASE reporting;
CREATE DATABASE archive;
