DROP INDEX listings_library_status_idx;
CREATE INDEX listings_library_status_idx ON listings (library, status, id);
