DROP TABLE auction_bids;
DROP TABLE auction_registrations;
DROP TABLE auctions;
DROP TABLE auction_sessions;
