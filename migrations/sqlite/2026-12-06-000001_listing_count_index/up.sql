-- Counting a library's list (the `total` of issue 17) without reading the table: the index
-- the lists walk in id order also carries the validity date and the region, so the public
-- scope (published, still valid), a status and a region prefix are counted from the index
-- alone, and a page still reads its rows in order without sorting.
DROP INDEX listings_library_status_idx;
CREATE INDEX listings_library_status_idx ON listings (library, status, id, valid_until, region_code);
