#!/usr/bin/env python3
"""Seeds a market through the API for the Schemathesis run and writes its configuration.

Usage: fuzz_seed.py BASE_URL ADMIN_TOKEN OUT_TOML OUT_HEADERS_JSON

Creates users of every role, records of the four libraries in every lifecycle state, deals,
answers, events, contracts at every registration stage, amendments, access requests and
webhooks, then writes a Schemathesis config whose `[[operations]]` entries hand every
operation real ids (path parameters, body references, a version where one is checked), and
a JSON file of the request headers some operations need (the token of the role the
operation is for), which .ci/fuzz_hooks.py adds to their requests. Each state-changing operation gets records of
its own in the state it starts from, so one operation's success does not consume another's.
Only loopback is contacted.
"""

import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE, ADMIN_TOKEN, OUT, HEADERS_OUT = sys.argv[1:5]
PASSWORD = "Seed#Correct-Horse-Battery-9zQ"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
TODAY = datetime.date.today()
SERVICE = "consulting"


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def credit_code(n):
    first17 = f"9133010600{n:07d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + ALPHABET[(31 - total % 31) % 31]


def call(method, path, token=None, body=None, expect=(200, 201, 204)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status not in expect:
        sys.exit(f"seed: {method} {path} answered {status}: {text[:500]}")
    return json.loads(text) if text else None


ADMIN = ADMIN_TOKEN
users = {}


def register(key, role, kind=None, n=0):
    email = f"{key}@seed.example.com"
    body = {"email": email, "password": PASSWORD, "display_name": f"种子{key}", "role": role}
    if kind:
        body["organization"] = {
            "name": f"种子机构{key}",
            "kind": kind,
            "credit_code": credit_code(n),
            "region_code": "330106",
        }
    call("POST", "/api/v1/auth/register", body=body)
    tokens = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    me = call("GET", "/api/v1/me", tokens["access_token"])
    users[key] = {
        "email": email,
        "token": tokens["access_token"],
        "refresh": tokens["refresh_token"],
        "id": me["user"]["id"],
        "org": me["user"].get("organization_id"),
        "version": me["user"].get("version"),
    }
    return users[key]


ent = register("ent", "enterprise", "enterprise", 9001)
uni = register("uni", "university", "university", 9002)
uni2 = register("uni2", "university", "research_institute", 9003)
broker = register("broker", "broker")
expert = register("expert", "expert")
spare = register("spare", "broker")  # password change, sign-in
spare2 = register("spare2", "broker")  # refresh
spare3 = register("spare3", "broker")  # logout
victim = register("victim", "broker")  # PATCH /admin/users/{id}
unverified = register("unverified", "enterprise", "enterprise", 9005)  # verify
for member in (ent, uni, uni2):
    call("POST", f"/api/v1/admin/organizations/{member['org']}/verify", ADMIN, {"verified": True})
# Brokers carry deals only once an administrator has verified them.
call("POST", f"/api/v1/admin/users/{broker['id']}/verify", ADMIN, {"verified": True})
unverified_broker = register("ubroker", "broker")  # POST /api/v1/admin/users/{id}/verify


def achievement(n):
    return {
        "title": f"一种高能量密度锂离子电池正极材料的制备方法{n}",
        "summary": "本成果提出一种富锂锰基正极材料的共沉淀制备工艺，通过表面包覆提高循环稳定性，适用于动力电池和储能系统。",
        "keywords": ["锂离子电池", "正极材料", "共沉淀"],
        "technology_field": "new_energy",
        "maturity": "pilot",
        "ip_type": "invention_patent",
        "cooperation_modes": ["license", "transfer"],
        "asking_price_fen": 50_000_000,
        "confidential_details": "烧结温度 850℃，包覆层厚度 5nm",
        "org_id": uni["org"],
    }


def demand(n):
    return {
        "title": f"动力电池低温快充热管理方案征集{n}",
        "description": "我公司生产的电动叉车在北方冬季零下二十度环境中充电缓慢，需要一种电池预热与快充控制方案。",
        "keywords": ["动力电池", "热管理", "快充"],
        "technology_field": "new_energy",
        "cooperation_modes": ["commissioned_development", "transfer"],
        "budget_max_fen": 20_000_000,
        "confidential_details": "现有电池包型号 LFP-280Ah",
        "org_id": ent["org"],
    }


def expert_profile(n, email=None):
    body = {
        "name": f"王{n}",
        "title": "professor",
        "bio": "长期从事锂离子电池正极材料与热管理研究，主持多项国家重点研发计划项目。",
        "region_code": "330106",
        "technology_fields": ["new_energy"],
        "expertise_keywords": ["锂离子电池", "热管理"],
        "affiliation_name": "浙江大学",
        "services": [SERVICE],
    }
    if email:
        body["contact"] = {"email": email}
    return body


def provider(n):
    return {
        "name": f"技术转移服务中心{n}",
        "service_types": ["technology_transfer"],
        "description": "提供技术评估、专利运营与成果转化全流程服务，服务浙江省内高校与企业。",
        "region_code": "330106",
        # One profile per organization: every record gets a service organization of its own.
        "org_id": register(f"svc{n}", "service_provider", "service_provider", 9100 + n)["org"],
    }


BODIES = {
    "achievements": achievement,
    "demands": demand,
    "experts": expert_profile,
    "service-providers": provider,
}
counter = [0]


def record(library, state):
    """A record of `library` in `state`: draft, pending_review or published."""
    counter[0] += 1
    created = call("POST", f"/api/v1/{library}", ADMIN, BODIES[library](counter[0]))
    rid = created["id"]
    if state in ("pending_review", "published"):
        call("POST", f"/api/v1/{library}/{rid}/submit", ADMIN, {})
    if state == "published":
        call("POST", f"/api/v1/{library}/{rid}/approve", ADMIN, {})
    return rid


def current(path, token=ADMIN):
    return call("GET", path, token)


ops = []  # [name, {"path": {...}, "body": {...}, "query": {...}, "token": str}]


def op(name, path=None, body=None, query=None, token=None, header=None, headers=None):
    """Configures operation `name`: fixed path/query/header parameters and body fields, the
    token to call it with, and plain request `headers` (for headers the spec does not declare)."""
    ops.append((name, {"path": path or {}, "body": body or {}, "query": query or {},
                       "header": header or {}, "headers": headers or {}, "token": token}))


# ------------------------------------------------------------------ the four libraries
published = {}
for library in BODIES:
    base = f"/api/v1/{library}"
    pub = record(library, "published")
    published[library] = pub
    for sub in ("", "/history"):
        op(f"GET {base}/{{id}}{sub}", {"id": pub})
    patch_id = record(library, "draft")
    op(f"PATCH {base}/{{id}}", {"id": patch_id}, {"version": current(f"{base}/{patch_id}")["version"]})
    op(f"DELETE {base}/{{id}}", {"id": record(library, "draft")})
    for action, state in (
        ("submit", "draft"),
        ("approve", "pending_review"),
        ("reject", "pending_review"),
        ("withdraw", "published"),
        ("close", "published"),
        ("renew", "published"),
    ):
        rid = record(library, state)
        body = {"version": current(f"{base}/{rid}")["version"]}
        if action == "reject":
            body["reason"] = "材料不全，请补充"
        if action in ("renew", "approve"):
            body["valid_until"] = day(200)
        op(f"POST {base}/{{id}}/{action}", {"id": rid}, body)

# Creation: every field the server checks beyond the schema is given (free text, booleans
# and the enums stay generated).
CONTACT = {"name": "张工", "email": "zhang@seed.example.com", "phone": "13800138000"}
CREATE_EXTRA = {
    "achievements": {"patents": [], "contact": CONTACT, "region_code": "330106", "trl": 6,
                     "valid_until": day(300), "external_ref": "FUZZ-ACH-1"},
    "demands": {"contact": CONTACT, "region_code": "330106", "budget_min_fen": 1_000_000,
                "reward_fen": 5_000_000, "deadline": day(120), "valid_until": day(300),
                "external_ref": "FUZZ-DEM-1"},
    "experts": {"contact": CONTACT, "affiliation_org_id": uni["org"], "valid_until": day(300),
                "external_ref": "FUZZ-EXP-1", "org_id": uni["org"], "availability": "available"},
    "service-providers": {"contact": CONTACT, "qualifications": [], "services": [],
                          "technology_fields": ["new_energy"], "valid_until": day(300),
                          "external_ref": "FUZZ-SVC-1"},
}
for library, extra in CREATE_EXTRA.items():
    counter[0] += 1
    op(f"POST /api/v1/{library}", body={**BODIES[library](counter[0]), **extra})

# Imports: the generated bodies are never valid NDJSON/CSV records, so `partial=true` (a
# report of the failing lines instead of an all-or-nothing 422) is how they reach the parser.
IMPORT_ORG = {"achievements": uni["org"], "demands": ent["org"], "experts": uni["org"],
              "service-providers": register("svcimport", "service_provider", "service_provider", 9090)["org"]}
for library, org_id in IMPORT_ORG.items():
    # Deterministic generation sends CSV to some of them, and one generated line of CSV is
    # only a header; as NDJSON every line is a record to check.
    op(f"POST /api/v1/{library}/import", query={"partial": "true", "org_id": org_id},
       headers={"Content-Type": "application/x-ndjson"})

ach, dem = published["achievements"], published["demands"]
op("GET /api/v1/achievements/{id}/confidential", {"id": ach})
op("GET /api/v1/achievements/{id}/matches", {"id": ach})
op("GET /api/v1/demands/{id}/confidential", {"id": dem})
for sub in ("matches", "experts", "service-providers"):
    op(f"GET /api/v1/demands/{{id}}/{sub}", {"id": dem})

# Access requests to a confidential achievement: the enterprise asks, the owner decides.
op("GET /api/v1/achievements/{id}/access-requests", {"id": ach})
op("POST /api/v1/achievements/{id}/access-requests", {"id": record("achievements", "published")}, token=ent["token"])
ach_ar = record("achievements", "published")
request = call("POST", f"/api/v1/achievements/{ach_ar}/access-requests", ent["token"], {"message": "希望了解工艺参数"})
op(
    "POST /api/v1/achievements/{id}/access-requests/{request_id}/{decision}",
    {"id": ach_ar, "request_id": request["id"], "decision": "grant"},
)

# Experts: a profile naming the expert user's e-mail, for the claim.
claim = call("POST", "/api/v1/experts", ADMIN, expert_profile(999, expert["email"]))["id"]
call("POST", f"/api/v1/experts/{claim}/submit", ADMIN, {})
call("POST", f"/api/v1/experts/{claim}/approve", ADMIN, {})
op("POST /api/v1/experts/{id}/claim", {"id": claim}, token=expert["token"])

# Matching feedback.
op("POST /api/v1/matches/feedback", body={"demand_id": dem, "achievement_id": ach})

# ------------------------------------------------------------------ answers to demands
def answered(responder=uni):
    did = record("demands", "published")
    resp = call("POST", f"/api/v1/demands/{did}/responses", responder["token"], {"proposal": "我校团队可提供低温预热与快充控制整体方案。"})
    return did, resp["id"]


op("GET /api/v1/demands/{id}/responses", {"id": dem})
op(
    "POST /api/v1/demands/{id}/responses",
    {"id": record("demands", "published")},
    {"achievement_id": ach},
    token=uni["token"],
)
did, rid = answered()
op("GET /api/v1/demands/{id}/responses/{response_id}", {"id": did, "response_id": rid})
for action, who in (("accept", ent), ("decline", ent), ("shortlist", ent), ("withdraw", uni)):
    did, rid = answered()
    op(f"POST /api/v1/demands/{{id}}/responses/{{response_id}}/{action}", {"id": did, "response_id": rid}, token=who["token"])
op("GET /api/v1/me/responses", token=uni["token"])

# ------------------------------------------------------------------ events
def event(n):
    body = {
        "name": f"长三角新能源技术对接会{n}",
        "starts_at": f"{day(30)}T01:00:00Z",
        "ends_at": f"{day(31)}T09:00:00Z",
        "region_code": "330106",
        "online": False,
    }
    return call("POST", "/api/v1/events", ADMIN, body)["id"]


ev = event(1)
call("POST", f"/api/v1/events/{ev}/achievements", ADMIN, {"ids": [ach]})
call("POST", f"/api/v1/events/{ev}/demands", ADMIN, {"ids": [dem]})
op("POST /api/v1/events", body={"starts_at": f"{day(40)}T01:00:00Z", "ends_at": f"{day(41)}T09:00:00Z", "region_code": "330106"})
for sub in ("", "/achievements", "/demands", "/report"):
    op(f"GET /api/v1/events/{{id}}{sub}", {"id": ev})
ev_patch = event(2)
op("PATCH /api/v1/events/{id}", {"id": ev_patch}, {"version": current(f"/api/v1/events/{ev_patch}")["version"], "starts_at": f"{day(30)}T02:00:00Z", "ends_at": f"{day(31)}T08:00:00Z"})
op("POST /api/v1/events/{id}/achievements", {"id": event(3)}, {"ids": [ach]})
op("POST /api/v1/events/{id}/demands", {"id": event(4)}, {"ids": [dem]})
op("POST /api/v1/events/{id}/participants", {"id": event(5)}, {"organizations": [ent["org"]], "people": [{"user_id": broker["id"]}]})

# ------------------------------------------------------------------ deals
def deal(to=None, with_records=False):
    body = {
        "buyer_org_id": ent["org"],
        "seller_org_id": uni["org"],
        "broker_id": broker["id"],
        "source": "direct",
        "commission_rate_bp": 300,
    }
    if with_records:
        body["demand_id"] = record("demands", "published")
        body["achievement_id"] = record("achievements", "published")
    created = call("POST", "/api/v1/deals", ADMIN, body)
    for stage in {"intention": ["intention"], "agreement": ["intention", "agreement"]}.get(to, []):
        call("POST", f"/api/v1/deals/{created['id']}/advance", ADMIN, {"to": stage})
    return created["id"]


dl = deal()
call("POST", f"/api/v1/deals/{dl}/messages", ADMIN, {"body": "双方约定下周三实地考察。"})
for sub in ("", "/history", "/messages"):
    op(f"GET /api/v1/deals/{{id}}{sub}", {"id": dl})
op("POST /api/v1/deals/{id}/messages", {"id": dl})
op(
    "POST /api/v1/deals",
    body={
        "buyer_org_id": ent["org"],
        "seller_org_id": uni["org"],
        "source": "event",
        "event_id": ev,
        "demand_id": record("demands", "published"),
        "achievement_id": record("achievements", "published"),
        "broker_id": broker["id"],
        "commission_rate_bp": 300,
    },
)
dl_adv = deal()
op("POST /api/v1/deals/{id}/advance", {"id": dl_adv}, {"to": "intention", "version": current(f"/api/v1/deals/{dl_adv}")["version"]})
dl_lose = deal()
op("POST /api/v1/deals/{id}/lose", {"id": dl_lose}, {"version": current(f"/api/v1/deals/{dl_lose}")["version"]})
dl_bro = deal()
op("PUT /api/v1/deals/{id}/broker", {"id": dl_bro}, {"broker_id": broker["id"], "version": current(f"/api/v1/deals/{dl_bro}")["version"]})
op("GET /api/v1/brokers/{id}/commissions", {"id": broker["id"]})

# ------------------------------------------------------------------ contracts
def contract_body(n, deal_id=None, full=False):
    """A licence; `full` makes it a transfer naming every optional field too, for the
    operations whose generated bodies would otherwise always carry some invalid one."""
    if full:
        return {
            **contract_body(n, deal_id),
            "contract_type": "transfer",
            "subtype": "technical_secret",
            "expected_investment_fen": 300_000_000,
            "expected_output_fen": 900_000_000,
            "milestones": [],
            "non_technical_costs": [],
            "intermediary": {"broker_id": broker["id"], "commission_rate_bp": 300},
        }
    body = {
        "name": f"富锂锰基正极材料制备技术专利实施许可合同{n}",
        "contract_type": "license",
        "subtype": "patent",
        "buyer": {"org_id": ent["org"]},
        "seller": {"org_id": uni["org"]},
        "technology_field": "new_energy",
        "ip_type": "invention_patent",
        "plan_category": "provincial",
        "signed_on": day(-60),
        "valid_from": day(-60),
        "valid_to": day(300),
        "amount_fen": 100_000_000,
    }
    if deal_id:
        body["deal_id"] = deal_id
    return body


def contract(state, n):
    cid = call("POST", "/api/v1/contracts", ADMIN, contract_body(n))["id"]
    if state == "draft":
        return cid
    call("POST", f"/api/v1/contracts/{cid}/submit", ADMIN, {})
    if state == "submitted":
        return cid
    call("POST", f"/api/v1/contracts/{cid}/register", ADMIN, {})
    if state == "performing":
        call("POST", f"/api/v1/contracts/{cid}/perform", ADMIN, {})
    return cid


def version(cid):
    return current(f"/api/v1/contracts/{cid}")["version"]


op("POST /api/v1/contracts", body=contract_body(1, deal("agreement"), full=True))
creg = contract("registered", 2)
for sub in ("", "/certificate"):
    op(f"GET /api/v1/contracts/{{id}}{sub}", {"id": creg})
cpatch = contract("draft", 3)
# The contract body has no `version`: the update names it in If-Match.
op("PATCH /api/v1/contracts/{id}", {"id": cpatch}, contract_body(3, full=True), header={"If-Match": f'"{version(cpatch)}"'})
op("POST /api/v1/contracts/{id}/submit", {"id": contract("draft", 4)})
op("POST /api/v1/contracts/{id}/register", {"id": contract("submitted", 5)})
for action, body in (("return", {"note": "请补充技术资料"}), ("refuse", {"note": "非技术合同"})):
    cid = contract("submitted", 6 + len(ops))
    op(f"POST /api/v1/contracts/{{id}}/{action}", {"id": cid}, {**body, "version": version(cid)})
op("POST /api/v1/contracts/{id}/perform", {"id": contract("registered", 8)})
cid = contract("performing", 9)
op("POST /api/v1/contracts/{id}/complete", {"id": cid}, {"technology_income_fen": 10_000_000, "version": version(cid)})
cid = contract("registered", 10)
op("POST /api/v1/contracts/{id}/terminate", {"id": cid}, {"version": version(cid)})
op("POST /api/v1/contracts/{id}/payments", {"id": contract("registered", 11)}, {"paid_on": day(-1), "amount_fen": 1_000_000})
op("POST /api/v1/contracts/{id}/amendments", {"id": contract("registered", 12)}, {"new_values": {"name": "变更后的合同名称"}})
for action in ("register", "reject"):
    cid = contract("registered", 13 + len(ops))
    amendment = call("POST", f"/api/v1/contracts/{cid}/amendments", ADMIN, {"what": "合同名称", "why": "笔误", "new_values": {"name": "更正后的合同名称"}})
    op(f"POST /api/v1/contracts/{{id}}/amendments/{{amendment_id}}/{action}", {"id": cid, "amendment_id": amendment["id"]})

# ------------------------------------------------------------------ auctions
def instant(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return moment.isoformat()


def lot(state, opens_in=86_400, runs=86_400):
    """An English lot of a fresh published achievement: draft, submitted, announced or open
    (announced to open `opens_in` seconds from the call, for `runs` seconds). The times are
    fixed before the achievement is published, which takes a moment that must not shift them."""
    starts_at, ends_at = instant(opens_in), instant(opens_in + runs)
    body = {"achievement_id": record("achievements", "published"), "type": "english",
            "starting_price_fen": 1_000_000, "increment_fen": 10_000, "deposit_fen": 100_000,
            "extension_secs": 0, "starts_at": starts_at, "ends_at": ends_at}
    aid = call("POST", "/api/v1/auctions", ADMIN, body)["id"]
    if state in ("submitted", "announced"):
        call("POST", f"/api/v1/auctions/{aid}/submit", ADMIN, {})
    if state == "announced":
        call("POST", f"/api/v1/auctions/{aid}/announce", ADMIN, {})
    return aid


session = call("POST", "/api/v1/auction-sessions", ADMIN, {
    "name": "长三角科技成果联合竞价会", "starts_at": instant(0), "ends_at": instant(30 * 86_400)})["id"]
for sub in ("", "/report"):
    op(f"GET /api/v1/auction-sessions/{{id}}{sub}", {"id": session})
op("POST /api/v1/auction-sessions", body={"starts_at": instant(0), "ends_at": instant(86_400)})
op("POST /api/v1/auctions", body={"achievement_id": record("achievements", "published"),
                                  "starts_at": instant(86_400), "ends_at": instant(172_800)})
shown = lot("announced")
for sub in ("", "/registrations", "/bids"):
    op(f"GET /api/v1/auctions/{{id}}{sub}", {"id": shown})
op("POST /api/v1/auctions/{id}/submit", {"id": lot("draft")})
op("POST /api/v1/auctions/{id}/announce", {"id": lot("submitted")})
op("POST /api/v1/auctions/{id}/reject", {"id": lot("submitted")}, {"reason": "公告期不足"})
op("POST /api/v1/auctions/{id}/cancel", {"id": lot("draft")}, {"reason": "重新安排"})
op("POST /api/v1/auctions/{id}/registrations", {"id": lot("announced")}, token=ent["token"])
pending = call("POST", f"/api/v1/auctions/{shown}/registrations", ent["token"], {})
op("POST /api/v1/auctions/{id}/registrations/{registration_id}/deposit",
   {"id": shown, "registration_id": pending["id"]}, {"status": "held"})
live = lot("announced", opens_in=2)
held = call("POST", f"/api/v1/auctions/{live}/registrations", ent["token"], {})
call("POST", f"/api/v1/auctions/{live}/registrations/{held['id']}/deposit", ADMIN, {"status": "held"})
op("POST /api/v1/auctions/{id}/bids", {"id": live}, token=ent["token"])


QUICK_OPENS = time.monotonic() + 6


def quick_lot(bids=()):
    """A lot open in a few seconds (with the others) for three, with `bids` [(bidder, amount)]
    placed once open."""
    aid = lot("announced", opens_in=QUICK_OPENS - time.monotonic(), runs=3)
    for who in {who["org"]: who for who, _ in bids}.values():
        reg = call("POST", f"/api/v1/auctions/{aid}/registrations", who["token"], {})
        call("POST", f"/api/v1/auctions/{aid}/registrations/{reg['id']}/deposit", ADMIN, {"status": "held"})
    return aid, bids


quick = [quick_lot(), quick_lot([(ent, 1_000_000)])] + [quick_lot([(uni2, 1_000_000), (ent, 1_010_000)]) for _ in range(2)]
quick += [quick_lot([(ent, 1_000_000)]), quick_lot([(uni2, 1_000_000), (ent, 1_010_000)])]
# The last lot's runner-up holds the priority right: its sale waits for it to match the price.
waiting = quick[-1][0]
held_by_uni2 = [r for r in call("GET", f"/api/v1/auctions/{waiting}/registrations", ADMIN)["items"] if r["org_id"] == uni2["org"]][0]
call("POST", f"/api/v1/auctions/{waiting}/registrations/{held_by_uni2['id']}/priority", ADMIN, {"priority": True})
flag_lot = lot("announced")
flag_reg = call("POST", f"/api/v1/auctions/{flag_lot}/registrations", ent["token"], {})
op("POST /api/v1/auctions/{id}/registrations/{registration_id}/priority",
   {"id": flag_lot, "registration_id": flag_reg["id"]}, {"priority": True})
time.sleep(max(0, QUICK_OPENS - time.monotonic()) + 0.3)
for aid, bids in quick:
    for who, amount in bids:
        call("POST", f"/api/v1/auctions/{aid}/bids", who["token"], {"amount_fen": amount})
time.sleep(max(0, QUICK_OPENS + 3.8 - time.monotonic()))
(unsold, _), (sold, _), (offered, _), (answered, _), (confirmed, _), _ = quick
op("POST /api/v1/auctions/{id}/priority-match", {"id": waiting}, token=uni2["token"])
op("POST /api/v1/auctions/{id}/relist", {"id": unsold}, {"starts_at": instant(86_400), "ends_at": instant(172_800)})
op("POST /api/v1/auctions/{id}/default", {"id": sold}, {"reason": "逾期未付款"})
for aid in (offered, answered):
    call("POST", f"/api/v1/auctions/{aid}/default", ADMIN, {"reason": "逾期未付款"})
op("POST /api/v1/auctions/{id}/runner-up/offer", {"id": offered})
call("POST", f"/api/v1/auctions/{answered}/runner-up/offer", ADMIN, {})
op("POST /api/v1/auctions/{id}/runner-up/answer", {"id": answered}, {"accept": True}, token=uni2["token"])
op("GET /api/v1/auctions/{id}/confirmation", {"id": confirmed})

# ------------------------------------------------------------------ public pricing notices
def notice():
    return call("POST", "/api/v1/notices", ADMIN, {
        "achievement_id": record("achievements", "published"), "kind": "agreement_pricing",
        "price_fen": 30_000_000, "transfer_mode": "transfer", "buyer_org_id": ent["org"]})["id"]


op("POST /api/v1/notices", body={"achievement_id": record("achievements", "published"),
                                 "buyer_org_id": ent["org"], "days": 15})
noticed = notice()
for sub in ("", "/objections"):
    op(f"GET /api/v1/notices/{{id}}{sub}", {"id": noticed})
op("POST /api/v1/notices/{id}/objections", {"id": notice()}, token=ent["token"])
objected = notice()
objection = call("POST", f"/api/v1/notices/{objected}/objections", ent["token"], {"reason": "价格偏低"})
op("POST /api/v1/notices/{id}/objections/{objection_id}/resolve",
   {"id": objected, "objection_id": objection["id"]})

# ------------------------------------------------------------------ organizations, users, auth
op("GET /api/v1/organizations/{id}", {"id": ent["org"]})
org = current(f"/api/v1/organizations/{uni2['org']}")
op("PATCH /api/v1/organizations/{id}", {"id": uni2["org"]}, {"version": org["version"], "region_code": "330106"})
op("POST /api/v1/organizations/{id}/invites", {"id": ent["org"]})
op("PUT /api/v1/organizations/{id}/webhook", {"id": ent["org"]}, {"url": "https://hooks.example.com/techmarket", "secret": "a-long-shared-webhook-secret"})
call("PUT", f"/api/v1/organizations/{uni['org']}/webhook", ADMIN, {"url": "https://hooks.example.com/uni", "secret": "a-long-shared-webhook-secret"})
op("GET /api/v1/organizations/{id}/webhook/deliveries", {"id": uni["org"]})
op("POST /api/v1/admin/organizations/{id}/verify", {"id": unverified["org"]})
op("POST /api/v1/admin/users/{id}/verify", {"id": unverified_broker["id"]})
op("POST /api/v1/admin/users", body={"password": PASSWORD, "role": "broker"})
op("PATCH /api/v1/admin/users/{id}", {"id": victim["id"]}, {"version": victim["version"]})
op("POST /api/v1/auth/login", body={"email": spare["email"], "password": PASSWORD})
op("POST /api/v1/auth/register", body={"password": PASSWORD, "role": "broker"})
op("POST /api/v1/auth/refresh", body={"refresh_token": spare2["refresh"]})
op("POST /api/v1/auth/logout", body={"refresh_token": spare3["refresh"]})
op("POST /api/v1/me/password", body={"current_password": PASSWORD, "new_password": PASSWORD + "-new"}, token=spare["token"])
admin_me = current("/api/v1/me")
op("PATCH /api/v1/me", body={"version": admin_me["user"]["version"]})


# ------------------------------------------------------------------ notifications
# An achievement that answers the enterprise's open demands almost word for word notifies it.
twin = call("POST", "/api/v1/achievements?publish=true", ADMIN, {
    **achievement(0),
    "title": "动力电池低温快充热管理方案",
    "summary": "针对电动叉车在北方冬季零下二十度环境中充电缓慢的问题，提供电池预热与快充控制方案，实现动力电池低温快充与热管理。",
    "keywords": ["动力电池", "热管理", "快充"],
})
op("GET /api/v1/notifications", token=ent["token"])
notes = call("GET", "/api/v1/notifications", ent["token"])["items"]
if notes:
    op("POST /api/v1/notifications/{id}/read", {"id": notes[0]["id"]}, token=ent["token"])
else:
    print("seed: no notification to mark read", file=sys.stderr)

# ------------------------------------------------------------------ attachments
def upload(name, token=ADMIN):
    """Uploads a small PDF (the body is the file, not JSON); returns its id."""
    body = b"%PDF-1.7\n% techmarket fuzz seed " + name.encode() + b"\n%%EOF\n"
    request = urllib.request.Request(f"{BASE}/api/v1/attachments?filename={name}", data=body, method="POST")
    request.add_header("Content-Type", "application/pdf")
    request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode())["id"]


certificate = upload("certificate.pdf")
call("POST", f"/api/v1/achievements/{ach}/attachments", ADMIN, {"attachment_ids": [certificate]})
for sub in ("", "/meta"):
    op(f"GET /api/v1/attachments/{{id}}{sub}", {"id": certificate})
for plural, rid in (("achievements", ach), ("contracts", creg), ("auctions", shown)):
    op(f"GET /api/v1/{plural}/{{id}}/attachments", {"id": rid})
    op(f"POST /api/v1/{plural}/{{id}}/attachments", {"id": rid}, {"attachment_ids": [upload(f"{plural}.pdf")]})

# ------------------------------------------------------------------ innovation vouchers
# Settlement days are China days (UTC+8), like every market day.
CHINA_TODAY = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()
vsp = register("vsp", "service_provider", "service_provider", 9200)
lab = call("POST", "/api/v1/service-providers?publish=true", ADMIN, {
    "name": "种子检测实验室", "service_types": ["testing_certification"], "accepts_vouchers": True,
    "description": "第三方检测实验室，受理创新券。", "region_code": "330106", "org_id": vsp["org"]})["id"]
PROGRAM = {
    "name": "种子科技创新券", "region_code": "330100", "year": TODAY.year, "budget_fen": 1_000_000_000,
    "application_cap_fen": 2_000_000, "enterprise_year_cap_fen": 100_000_000, "coverage_bp": 5000,
    "full_cover_below_fen": 1_000_000, "service_types": ["testing_certification"], "mode": "direct",
    "use_by": day(180), "claim_by": day(360), "accepted_regions": ["33"]}
program = call("POST", "/api/v1/voucher-programs", ADMIN, PROGRAM)["id"]
op("POST /api/v1/voucher-programs", body=PROGRAM)
op("GET /api/v1/voucher-programs/{id}", {"id": program})


def voucher(issue=True):
    vid = call("POST", "/api/v1/vouchers", ent["token"],
               {"program_id": program, "amount_fen": 2_000_000, "purpose": "产品检测"})["id"]
    if issue:
        call("POST", f"/api/v1/vouchers/{vid}/approve", ADMIN, {})
    return vid


def order(state):
    """An order of an issued voucher, taken to `state`."""
    oid = call("POST", f"/api/v1/vouchers/{voucher()}/orders", ent["token"], {
        "provider_id": lab, "service_type": "testing_certification", "description": "电磁兼容检测",
        "fee_fen": 500_000, "voucher_fen": 500_000})["id"]
    steps = {"accepted": ["accept"], "delivered": ["accept", "deliver"], "confirmed": ["accept", "deliver", "confirm"]}
    for step in steps.get(state, []):
        call("POST", f"/api/v1/voucher-orders/{oid}/{step}", ent["token"] if step == "confirm" else vsp["token"], {})
    return oid


def claim(state="submitted"):
    cid = call("POST", "/api/v1/voucher-claims", vsp["token"], {
        "order_ids": [order("confirmed")], "invoice_number": "SEED-1",
        "attachment_ids": [upload("invoice.pdf", vsp["token"])]})["id"]
    if state in ("approved", "returned"):
        call("POST", f"/api/v1/voucher-claims/{cid}/{'approve' if state == 'approved' else 'return'}", ADMIN,
             {} if state == "approved" else {"note": "发票有误"})
    return cid


op("POST /api/v1/vouchers", body={"program_id": program, "amount_fen": 1_000_000, "purpose": "检测"}, token=ent["token"])
op("GET /api/v1/vouchers", token=ent["token"])
op("GET /api/v1/vouchers/{id}", {"id": voucher()}, token=ent["token"])
op("POST /api/v1/vouchers/{id}/approve", {"id": voucher(False)}, {"amount_fen": 1_000_000})
op("POST /api/v1/vouchers/{id}/reject", {"id": voucher(False)}, {"reason": "材料不全"})
op("POST /api/v1/vouchers/{id}/orders", {"id": voucher()}, {
    "provider_id": lab, "service_type": "testing_certification", "description": "检测", "fee_fen": 300_000,
    "voucher_fen": 300_000},
   token=ent["token"])
op("GET /api/v1/voucher-orders", token=vsp["token"])
op("GET /api/v1/voucher-orders/{id}", {"id": order("pending")}, token=ent["token"])
for action, state, who in (("accept", "pending", vsp), ("decline", "pending", vsp), ("deliver", "accepted", vsp),
                           ("confirm", "delivered", ent), ("cancel", "pending", ent)):
    op(f"POST /api/v1/voucher-orders/{{id}}/{action}", {"id": order(state)}, token=who["token"])
op("POST /api/v1/voucher-claims", body={"order_ids": [order("confirmed")], "invoice_number": "SEED-2",
                                          "attachment_ids": [upload("invoice2.pdf", vsp["token"])]}, token=vsp["token"])
op("GET /api/v1/voucher-claims", token=vsp["token"])
op("GET /api/v1/voucher-claims/{id}", {"id": claim()}, token=vsp["token"])
op("POST /api/v1/voucher-claims/{id}/approve", {"id": claim()})
op("POST /api/v1/voucher-claims/{id}/return", {"id": claim()}, {"note": "请补充付款凭证"})
op("POST /api/v1/voucher-claims/{id}/reject", {"id": claim()}, {"reason": "不属支持范围"})
op("POST /api/v1/voucher-claims/{id}/resubmit", {"id": claim("returned")}, token=vsp["token"])
claim("approved")
settled = call("POST", "/api/v1/voucher-settlements", ADMIN, {"program_id": program, "through": CHINA_TODAY})["id"]
claim("approved")
op("POST /api/v1/voucher-settlements", body={"program_id": program, "through": CHINA_TODAY})
for sub in ("", "/claims.csv"):
    op(f"GET /api/v1/voucher-settlements/{{id}}{sub}", {"id": settled})
op("PUT /api/v1/me/notification-preferences", body={"preferences": [{"kind": "outbid", "in_app": True, "email": False}]})
op("POST /api/v1/auth/password-reset", body={"email": spare["email"]})

# ------------------------------------------------------------------ the configuration
sys.dont_write_bytecode = True  # no __pycache__ in the clone
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_config  # noqa: E402

fuzz_config.write(ops, OUT, HEADERS_OUT)
print(f"seeded {len(users)} users and configured {len(ops)} operations")
