DROP TABLE registration_serials;
DROP TABLE contract_amendments;
DROP TABLE contract_payments;
DROP TABLE contract_milestones;
DROP TABLE contracts;
