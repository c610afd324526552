DROP TABLE demand_responses;
DROP TABLE deal_messages;
DROP TABLE deals;
DROP TABLE event_participants;
DROP TABLE event_listings;
DROP TABLE events;
