DROP TABLE access_requests;
DROP TABLE service_providers;
DROP TABLE experts;
DROP TABLE demands;
DROP TABLE achievements;
DROP TABLE listings;
