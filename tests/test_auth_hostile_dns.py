"""A hostile DNS server on loopback: endless and looping CNAME chains, answers that never end,
slow answers. Issue 12 item 16: one TXT lookup drew 976 queries in 25.8 s and printed "maximum
recursion depth exceeded" inside an exit-0 report. Now a chain stops after [dns] max_cname_chain
hops and a run stops asking after its query and time budget."""

from __future__ import annotations

import itertools
import json
import time

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from auth_dnsserver import LoopbackDNSServer
from helpers import run_cli
from newsletter.auth import CheckOptions, NetworkResolver, QueryBudget, check_domain
from newsletter.auth.resolver import Status
from newsletter.limits import input_limits

CHAIN_LIMIT = input_limits("dns")["max_cname_chain"]


def reply(query: dns.message.Message, *rrsets: dns.rrset.RRset) -> dns.message.Message:
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    response.answer.extend(rrsets)
    return response


def cname(owner: dns.name.Name | str, target: str) -> dns.rrset.RRset:
    return dns.rrset.from_text(owner, 300, "IN", "CNAME", target)


def endless_chain(query: dns.message.Message, counter=itertools.count()) -> dns.message.Message:
    """Every name is a CNAME to a name never seen before, one hop per response."""
    return reply(query, cname(query.question[0].name, f"c{next(counter)}.chain.example."))


def chain_of(hops: int):
    """h0 -> h1 -> ... -> h<hops>, which has the record asked for: one hop per response."""
    def respond(query: dns.message.Message) -> dns.message.Message:
        name = query.question[0].name
        step = int(name.labels[0][1:])
        if step == hops:
            return reply(query, dns.rrset.from_text(name, 300, "IN", "TXT", '"v=spf1 -all"'))
        return reply(query, cname(name, f"h{step + 1}.chain.example."))
    return respond


def in_one_response(hops: int):
    """The whole chain h0 -> ... -> h<hops> (and its TXT) in every response."""
    def respond(query: dns.message.Message) -> dns.message.Message:
        rrsets = [cname(f"h{i}.chain.example.", f"h{i + 1}.chain.example.") for i in range(hops)]
        txt = dns.rrset.from_text(f"h{hops}.chain.example.", 300, "IN", "TXT", '"v=spf1 -all"')
        return reply(query, *rrsets, txt)
    return respond


def loop_across_responses(query: dns.message.Message) -> dns.message.Message:
    """a -> b and b -> a, each in its own response: only the client can see the loop."""
    name = query.question[0].name
    target = "b.loop.example." if name.labels[0] == b"a" else "a.loop.example."
    return reply(query, cname(name, target))


@pytest.fixture(scope="module")
def server():
    with LoopbackDNSServer(dns.zone.Zone(dns.name.root)) as running:
        yield running


@pytest.fixture
def hostile(server):
    """Set the server's responder; the resolver asking it (budget of one domain)."""
    resolvers = []

    def serve(respond, *, delay: float = 0.0, budget: QueryBudget | None = None):
        server.respond, server.delay = respond, delay
        server.reset_counts()
        resolver = NetworkResolver([server.address], timeout=2.0, budget=budget)
        resolvers.append(resolver)
        return resolver

    yield serve
    server.respond, server.delay = None, 0.0
    for resolver in resolvers:
        resolver.close()


def test_endless_chain_through_the_command_is_bounded_and_says_why(server):
    """The reproduction: every name a CNAME to a new name, `newsletter dns` checking SPF."""
    server.respond = endless_chain
    server.reset_counts()
    try:
        started = time.monotonic()
        run = run_cli("dns", "victim.example", "--only", "spf", "--format", "json",
                      "--nameserver", f"127.0.0.1:{server.port}")
        elapsed = time.monotonic() - started
    finally:
        server.respond = None
    assert run.exit_code in (0, 1) and "Traceback" not in run.stderr
    assert "recursion" not in run.text
    report = json.loads(run.text)
    (temperror,) = [f for f in report["findings"] if f["rule"] == "SPF014"]
    assert f"more than {CHAIN_LIMIT} CNAMEs from victim.example" in temperror["message"]
    assert server.total_queries <= 2 * (CHAIN_LIMIT + 1)  # TXT and SPF, each one chain
    assert elapsed < 10


def test_chain_at_the_limit_resolves_one_more_hop_is_a_temperror(hostile):
    resolver = hostile(chain_of(CHAIN_LIMIT))
    answer = resolver.query("h0.chain.example", "TXT")
    assert answer.status is Status.RECORDS and answer.records[0].text == "v=spf1 -all"
    assert answer.name == "h0.chain.example"
    resolver = hostile(chain_of(CHAIN_LIMIT + 1))
    answer = resolver.query("h0.chain.example", "TXT")
    assert answer.status is Status.TEMPERROR and f"more than {CHAIN_LIMIT} CNAMEs" in answer.error


def test_the_limit_holds_inside_one_response(hostile):
    assert hostile(in_one_response(CHAIN_LIMIT)).query("h0.chain.example", "TXT").status \
        is Status.RECORDS
    answer = hostile(in_one_response(60)).query("h0.chain.example", "TXT")
    assert answer.status is Status.TEMPERROR and "CNAMEs" in answer.error


def test_loop_across_responses_is_a_temperror_naming_it(hostile, server):
    answer = hostile(loop_across_responses).query("a.loop.example", "TXT")
    assert answer.status is Status.TEMPERROR and answer.error == "CNAME loop at a.loop.example"
    assert server.total_queries == 2


MX_HOSTS = dns.rrset.from_text_list("victim.example.", 300, "IN", "MX",
                                    [f"10 mx{i}.victim.example." for i in range(2000)])


def many_mx_hosts(query: dns.message.Message) -> dns.message.Message:
    """An MX set of 2,000 hosts, each of which must then be looked up."""
    return reply(query, MX_HOSTS) if query.question[0].rdtype == dns.rdatatype.MX else reply(query)


def test_query_budget_stops_a_run_and_the_report_says_so(hostile, server):
    resolver = hostile(many_mx_hosts, budget=QueryBudget(queries=60, seconds=60))
    report = check_domain("victim.example", resolver, CheckOptions(only=frozenset({"mx"})))
    assert server.total_queries <= 60 + 1  # the one retry over TCP of the big MX answer
    (notice,) = [f for f in report.findings if "budget" in f.message]
    assert notice.rule == "AUTH013" and "60 DNS queries" in notice.message
    assert "incomplete" in notice.message


def test_query_budget_of_the_command_is_per_domain(server):
    per_domain = input_limits("dns")["max_queries_per_domain"]
    server.respond = many_mx_hosts
    server.reset_counts()
    try:
        run = run_cli("dns", "victim.example", "--only", "mx", "--format", "json",
                      "--nameserver", f"127.0.0.1:{server.port}")
    finally:
        server.respond = None
    assert per_domain <= server.total_queries <= per_domain + 1
    assert any("max_queries_per_domain" in f["message"] for f in json.loads(run.text)["findings"])


def test_time_budget_stops_a_slow_server(hostile):
    """Each answer comes just before the timeout: the run stops at its time budget."""
    resolver = hostile(chain_of(30), delay=0.25, budget=QueryBudget(queries=500, seconds=1.0))
    started = time.monotonic()
    answer = resolver.query("h0.chain.example", "TXT")
    elapsed = time.monotonic() - started
    assert answer.status is Status.TEMPERROR and "1 s of DNS lookups" in answer.error
    assert elapsed < 2.5  # the CNAME limit alone would stop it after 12 answers: 3 s
    assert "max_seconds_per_domain" in resolver.exhausted


def test_check_against_an_endless_chain_is_bounded(server, tmp_path):
    message = tmp_path / "hello.eml"
    message.write_bytes(b"From: Shop <news@victim.example>\r\nTo: a@b.example\r\nSubject: Hello\r\n"
                        b"Content-Type: text/plain\r\n\r\nYour order has shipped.\r\n")
    server.respond = endless_chain
    server.reset_counts()
    try:
        started = time.monotonic()
        run = run_cli("check", message, "--ip", "192.0.2.1", "--format", "json",
                      "--nameserver", f"127.0.0.1:{server.port}")
        elapsed = time.monotonic() - started
    finally:
        server.respond = None
    assert run.exit_code in (0, 1) and "recursion" not in run.text
    report = json.loads(run.text)
    assert report["auth"]["spf"] == "unknown"  # a temperror decides nothing
    assert any(f"more than {CHAIN_LIMIT} CNAMEs" in f["message"] for f in report["findings"])
    assert server.total_queries <= input_limits("dns")["max_queries_per_domain"]
    assert elapsed < 20
