DROP TABLE voucher_settlements;
DROP TABLE voucher_orders;
DROP TABLE voucher_claims;
DROP TABLE vouchers;
DROP TABLE voucher_programs;
