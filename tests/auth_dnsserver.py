"""A small authoritative DNS server on loopback, for tests and the benchmark.

It serves a `dns.zone.Zone` (usually a root zone built from a dict) over UDP and TCP, with the
switches the tests need: `delay` (seconds added to every answer), `drop(name, type) -> bool`
(never answer: a timeout), `truncate` (every UDP answer comes back with TC set and empty, so the
client must retry over TCP), `respond(query)` (a hostile server: the response to send instead of
the zone's, as a message or raw bytes, or None for no answer). It counts the queries it receives.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Union

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

Reply = Union[dns.message.Message, bytes]


class LoopbackDNSServer:
    def __init__(self, zone: dns.zone.Zone, *, delay: float = 0.0,
                 drop: Callable[[dns.name.Name, int], bool] | None = None,
                 truncate: bool = False,
                 respond: Callable[[dns.message.Message], Reply | None] | None = None,
                 workers: int = 64):
        self.zone = zone
        self.delay = delay
        self.drop = drop or (lambda name, rdtype: False)
        self.truncate = truncate
        self.respond = respond
        self.received: Counter[str] = Counter()  # "udp" / "tcp"
        self.questions: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers)
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve_tcp(self.request)

        for _ in range(50):  # a free UDP port whose TCP twin is free too
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._udp.bind(("127.0.0.1", 0))
            self.port = self._udp.getsockname()[1]
            try:
                self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                self._udp.close()
        else:
            raise OSError("no free UDP+TCP port pair on 127.0.0.1")
        self._tcp.daemon_threads = True
        self._threads = [threading.Thread(target=self._udp_loop, daemon=True),
                         threading.Thread(target=self._tcp.serve_forever, daemon=True)]
        for thread in self._threads:
            thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    @property
    def total_queries(self) -> int:
        return sum(self.received.values())

    def reset_counts(self) -> None:
        with self._lock:
            self.received.clear()
            self.questions.clear()

    def close(self) -> None:
        self._tcp.shutdown()
        self._tcp.server_close()
        self._udp.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> "LoopbackDNSServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------

    def _udp_loop(self) -> None:
        while True:
            try:
                wire, peer = self._udp.recvfrom(65535)
            except OSError:
                return
            self._pool.submit(self._serve_udp, wire, peer)

    def _serve_udp(self, wire: bytes, peer: tuple[str, int]) -> None:
        answer = self._answer(wire, "udp")
        if answer is None:
            return
        response, limit = answer
        if isinstance(response, bytes):
            self._send_udp(response, peer)
            return
        if self.truncate:
            response.answer.clear()
            response.flags |= dns.flags.TC
        try:
            payload = response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            payload = response.to_wire(max_size=limit)
        self._send_udp(payload, peer)

    def _send_udp(self, payload: bytes, peer: tuple[str, int]) -> None:
        try:
            self._udp.sendto(payload, peer)
        except OSError:
            pass

    def _serve_tcp(self, sock: socket.socket) -> None:
        while True:
            header = _recv_exactly(sock, 2)
            if header is None:
                return
            wire = _recv_exactly(sock, struct.unpack("!H", header)[0])
            if wire is None:
                return
            answer = self._answer(wire, "tcp")
            if answer is None:
                continue
            response = answer[0]
            payload = response if isinstance(response, bytes) else response.to_wire(max_size=65535)
            sock.sendall(struct.pack("!H", len(payload)) + payload)

    # --- data ------------------------------------------------------------------------------

    def _answer(self, wire: bytes, transport: str) -> tuple[Reply, int] | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        question = query.question[0]
        with self._lock:
            self.received[transport] += 1
            self.questions.append((question.name.to_text(), dns.rdatatype.to_text(question.rdtype)))
        if self.drop(question.name, question.rdtype):
            return None
        if self.delay:
            time.sleep(self.delay)
        limit = max(query.payload if query.edns >= 0 else 512, 512)
        if self.respond is not None:
            reply = self.respond(query)
            return None if reply is None else (reply, limit)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        self._fill(response, question.name, question.rdtype)
        return response, limit

    def _fill(self, response: dns.message.Message, qname: dns.name.Name, rdtype: int) -> None:
        name, seen = qname, set()
        while True:
            node = self.zone.get_node(name)
            if node is None:
                if not any(n.is_subdomain(name) for n in self.zone.nodes):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return
            rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
            if rdataset:
                response.answer.append(dns.rrset.from_rdata_list(name, rdataset.ttl, rdataset))
                return
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if not cname or rdtype == dns.rdatatype.CNAME or name in seen:
                return
            seen.add(name)
            response.answer.append(dns.rrset.from_rdata_list(name, cname.ttl, cname))
            name = cname[0].target


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data
