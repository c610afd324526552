DROP TABLE contract_rollups;
