#!/usr/bin/env python3
"""Statistics benchmark data: a market written straight into the tables, as tab-separated files
(one per table, in the column order below), for SQLite (`load_sqlite`) or PostgreSQL (`\\copy`).

usage: gen_stats.py OUT_DIR [CONTRACTS] [AUDIT_ROWS] [--sqlite DB]

Seeded, so every run writes the same market: 2,000 organizations in 40 districts of five
provinces, one user each plus 100 brokers, 50,000 listings in the four libraries, 50,000 deals
spread over the funnel, CONTRACTS registered contracts (default 100,000) over the last two
years (plus 5 % not registered), and AUDIT_ROWS audit entries (default 1,000,000).
"""
import datetime as dt
import os
import random
import sqlite3
import sys
import uuid

random.seed(20261122)
out = sys.argv[1]
CONTRACTS = int(sys.argv[2]) if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else 100_000
AUDIT = int(sys.argv[3]) if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else 1_000_000
SQLITE = sys.argv[sys.argv.index("--sqlite") + 1] if "--sqlite" in sys.argv else None
os.makedirs(out, exist_ok=True)

NOW = dt.datetime.utcnow().replace(microsecond=0)
TODAY = (NOW + dt.timedelta(hours=8)).date()
DISTRICTS = [
    "330106", "330102", "330105", "330108", "330110", "330212", "330203", "330205", "330302", "330402",
    "320102", "320104", "320105", "320106", "320205", "320206", "320506", "320508", "321002", "320302",
    "440106", "440103", "440104", "440303", "440304", "440305", "440604", "441302", "440402", "440703",
    "110105", "110106", "110108", "110101", "110102", "310104", "310105", "310106", "310110", "310115",
]
FIELDS = ["electronic_information", "advanced_manufacturing", "aerospace", "modern_transportation",
          "biomedicine", "new_materials", "new_energy", "environmental_protection", "nuclear",
          "agriculture", "urban_social"]
TYPES = [("development", "commissioned"), ("development", "cooperative"), ("transfer", "patent_right"),
         ("transfer", "technical_secret"), ("license", "patent"), ("license", "technical_secret"),
         ("consulting", None), ("service", "general"), ("service", "intermediary"), ("service", "training")]
KINDS = ["enterprise"] * 12 + ["university"] * 2 + ["research_institute"] * 2 + ["service_provider"] * 4
ENTITY = {"enterprise": "enterprise", "university": "university", "research_institute": "research_institute",
          "service_provider": "service_organization"}


def uid(t: dt.datetime) -> str:
    """A UUID v7 for time t (time-ordered like the application's ids)."""
    ms = int(t.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    rand = random.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


tables = {}


def row(table, values):
    tables.setdefault(table, []).append(["\\N" if v is None else str(v) for v in values])


COLUMNS = {
    "organizations": "id name kind credit_code region_code address website verified version created_at updated_at",
    "users": "id email password_hash display_name role organization_id status version created_at updated_at last_login_at verified_at",
    "listings": "id library org_id owner_user_id created_by status title region_code valid_until external_ref rejection_reason submitted_at reviewed_at reviewed_by published_at closed_reason version created_at updated_at",
    "achievements": "id summary keywords technology_field industry maturity trl ip_type patents cooperation_modes asking_price_fen team contact international confidential_details",
    "demands": "id description keywords technology_field industry required_maturity budget_min_fen budget_max_fen cooperation_modes deadline reward_fen contact confidential_details",
    "experts": "id professional_title affiliation_org_id affiliation_name technology_fields expertise_keywords bio services availability contact",
    "service_providers": "id service_types technology_fields qualifications description accepts_vouchers services contact",
    "deals": "id demand_id achievement_id buyer_org_id seller_org_id broker_id event_id response_id source stage furthest_stage lost_reason lost_note commission_rate_bp commission_fen connected_at intention_at agreement_at signed_at lost_at created_by version created_at updated_at",
    "contracts": "id deal_id name contract_type subtype buyer_org_id buyer_name buyer_credit_code buyer_country buyer_region_code buyer_entity_kind seller_org_id seller_name seller_credit_code seller_country seller_region_code seller_entity_kind intermediary_kind intermediary_user_id intermediary_org_id intermediary_name commission_rate_bp commission_fen technology_field ip_type plan_category signed_on valid_from valid_to amount_fen non_technical_costs non_technical_fen technology_amount_fen expected_investment_fen expected_output_fen status owner_org_id registry_region_code registration_year registration_serial registration_number registered_on registered_by submitted_at return_note refusal_reason technology_income_fen completed_at terminated_reason terminated_at idempotency_key request_hash created_by version created_at updated_at",
    "audit_log": "id actor_id action entity_type entity_id changes request_id created_at seq",
}
TRUE, FALSE = ("1", "0") if SQLITE else ("t", "f")

# The user every generated record names as its author (an administrator: not a member).
row("users", ["bench", "bench@bench.example", "x", "基准", "admin", None, "active", 1, ts(NOW), ts(NOW), None, None])

# Organizations and their users.
orgs = []
for i in range(2000):
    kind = random.choice(KINDS)
    created = ago(random.uniform(0, 900))
    oid = uid(created)
    region = random.choice(DISTRICTS)
    orgs.append((oid, kind, region))
    row("organizations", [oid, f"基准机构{i}", kind, f"BENCH{i:013d}", region, None, None, TRUE, 1, ts(created), ts(created)])
    row("users", [uid(created), f"user{i}@bench.example", "x", f"用户{i}", "enterprise" if kind == "enterprise" else
        ("service_provider" if kind == "service_provider" else "university"), oid,
        "active" if random.random() > 0.03 else "disabled", 1, ts(created), ts(created), None, None])
brokers = []
for i in range(100):
    created = ago(random.uniform(0, 900))
    bid = uid(created)
    brokers.append(bid)
    row("users", [bid, f"broker{i}@bench.example", "x", f"经纪人{i}", "broker", None, "active", 1, ts(created), ts(created), None, ts(created)])
by_kind = {}
for o in orgs:
    by_kind.setdefault(o[1], []).append(o)
buyers = by_kind["enterprise"]
sellers = by_kind["university"] + by_kind["research_institute"] + by_kind["enterprise"][:200]

# Listings.
for i in range(50_000):
    library = random.choices(["achievements", "demands", "experts", "service_providers"], [45, 35, 10, 10])[0]
    owner = random.choice(sellers if library == "achievements" else buyers if library == "demands" else orgs)
    created = ago(random.uniform(0, 730))
    lid = uid(created)
    status = random.choices(["published", "withdrawn", "expired", "closed", "draft", "pending_review"], [70, 5, 10, 5, 5, 5])[0]
    published = None if status in ("draft", "pending_review") else ts(created + dt.timedelta(days=1))
    row("listings", [lid, library, owner[0], None, "bench", status, f"基准记录{i}", owner[2],
                     (TODAY + dt.timedelta(days=365)).isoformat(), None, None, None, None, None, published, None, 1, ts(created), ts(created)])
    field = random.choice(FIELDS)
    if library == "achievements":
        row("achievements", [lid, "摘要", "[]", field, None, "pilot", None, "invention_patent", "[]", ",license,",
                             5_000_000, None, None, TRUE if random.random() < 0.05 else FALSE, None])
    elif library == "demands":
        row("demands", [lid, "描述", "[]", field, None, None, None, 20_000_000, ",transfer,", None, None, None, None])
    elif library == "experts":
        row("experts", [lid, "professor", None, None, f",{field},{random.choice(FIELDS)},", "[]", "简介", ",consulting,", "available", None])
    else:
        row("service_providers", [lid, ",ip_agency,", f",{field},", "[]", "描述", FALSE, "[]", None])

# Deals over the funnel.
STAGES = ["connected", "intention", "agreement", "signed"]
for i in range(50_000):
    connected = ago(random.uniform(0, 730))
    did = uid(connected)
    furthest = random.choices(STAGES, [50, 25, 15, 10])[0]
    rank = STAGES.index(furthest)
    lost = furthest != "signed" and random.random() < 0.4
    stamps = [connected + dt.timedelta(days=3 * k) if k <= rank else None for k in range(4)]
    broker = random.choice(brokers) if random.random() < 0.6 else None
    row("deals", [did, None, None, random.choice(buyers)[0], random.choice(sellers)[0], broker, None, None, "direct",
                  "lost" if lost else furthest, furthest, "price_gap" if lost else None, None, 300 if broker else None, None,
                  ts(connected), *[ts(s) if s else None for s in stamps[1:]], ts(connected + dt.timedelta(days=20)) if lost else None,
                  "bench", 1, ts(connected), ts(connected)])

# Contracts: registered over the last two years, a few still in the registry's hands.
serial = {}
for i in range(CONTRACTS + CONTRACTS // 20):
    registered = i < CONTRACTS
    ctype, subtype = random.choice(TYPES)
    buyer, seller = random.choice(buyers), random.choice(sellers)
    day = TODAY - dt.timedelta(days=random.randrange(730))
    amount = random.randrange(10_000, 50_000_000) * 100
    non_tech = amount // 10 if ctype == "development" and random.random() < 0.5 else 0
    broker = random.choice(brokers) if random.random() < 0.3 else None
    created = dt.datetime.combine(day, dt.time(2)) - dt.timedelta(days=5)
    cid = uid(created)
    if registered:
        year = day.year
        serial[year] = serial.get(year, 0) + 1
        number = f"{year % 100:02d}330100{serial[year]:06d}"
        status = random.choices(["registered", "performing", "completed", "terminated"], [40, 40, 15, 5])[0]
        reg = (year, serial[year], number, day.isoformat(), "bench", ts(created))
    else:
        status = "submitted"
        reg = (None, None, None, None, None, ts(created))
    row("contracts", [cid, None, f"基准合同{i}", ctype, subtype, buyer[0], "买方", None, "CN", buyer[2], ENTITY[buyer[1]],
                      seller[0], "卖方", None, "CN", seller[2], ENTITY[seller[1]],
                      "broker" if broker else None, broker, None, "经纪人" if broker else None,
                      300 if broker and random.random() < 0.7 else None, 50_000 if broker and random.random() < 0.3 else None,
                      random.choice(FIELDS), "invention_patent", "none", (day - dt.timedelta(days=5)).isoformat(),
                      (day - dt.timedelta(days=5)).isoformat(), (day + dt.timedelta(days=365)).isoformat(), amount, "[]", non_tech,
                      amount - non_tech, None, None, status, seller[0], "330100" if registered else None, reg[0], reg[1], reg[2],
                      reg[3], reg[4], reg[5], None, None, None, None, None, None, None, None, "bench", 1, ts(created), ts(created)])

# The audit log: a million state changes, numbered like the chain (`seq`); their hashes are left
# empty, so `techmarket verify-audit` would flag them — they are here to be counted, not vouched for.
ACTIONS = [("listing", "achievement.update"), ("deal", "deal.advance"), ("contract", "contract.register"),
           ("user", "user.login"), ("organization", "organization.update")]
with open(os.path.join(out, "audit_log.tsv"), "w") as f:
    for i in range(AUDIT):
        when = ago(i * 730.0 / AUDIT)
        entity, action = random.choice(ACTIONS)
        f.write(f"{uid(when)}\tbench\t{action}\t{entity}\t{uuid.UUID(int=random.getrandbits(128))}\t{{}}\t\\N\t{ts(when)}\t{i + 1}\n")

for table, rows in tables.items():
    with open(os.path.join(out, f"{table}.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")

ORDER = ["organizations", "users", "listings", "achievements", "demands", "experts", "service_providers",
         "deals", "contracts", "audit_log"]
with open(os.path.join(out, "order.txt"), "w") as f:
    for table in ORDER:
        f.write(f"{table} {','.join(COLUMNS[table].split())}\n")

if SQLITE:
    db = sqlite3.connect(SQLITE)
    db.execute("PRAGMA foreign_keys = OFF")
    for table in ORDER:
        cols = COLUMNS[table].split()
        with open(os.path.join(out, f"{table}.tsv")) as f:
            rows = ([None if v == "\\N" else v for v in line.rstrip("\n").split("\t")] for line in f)
            db.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", rows)
    db.commit()
    db.close()
print(f"contracts={CONTRACTS} audit={AUDIT} listings=50000 deals=50000 organizations=2000 today={TODAY}")
