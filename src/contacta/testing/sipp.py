"""sipp scenarios for a customer calling in: written per test from a few choices, because sipp
takes the audio and RFC 2833 digit streams it plays as file names inside the scenario.

The digit streams are the pcaps Debian's sip-tester ships (/usr/share/sip-tester), captured
RTP telephone-event packets (RFC 2833/4733, payload type 101) after PCMA speech.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

PCAPS = Path("/usr/share/sip-tester")
DIGIT_FILES = {**{str(d): f"dtmf_2833_{d}.pcap" for d in range(10)}, "#": "dtmf_2833_pound.pcap",
               "*": "dtmf_2833_star.pcap"}

INVITE = """<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cliente" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Subject: contacta test
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rtd="true"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cliente" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

CALLER_BYE = """<send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cliente" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" crlf="true"/>
"""

ENGINE_BYE = """<recv request="BYE" timeout="{timeout_ms}"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:{caller}@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
"""


SPEECH_SECONDS = 4.8  # g711a.pcap: 236 packets of 20 ms


def customer_scenario(path: Path, *, caller: str = "573001234567", digits: str = "",
                      before_digits_ms: int = 1500, between_digits_ms: int = 1200,
                      then_wait_ms: int = 2000, hang_up: bool = True,
                      engine_bye_timeout_ms: int = 60_000) -> Path:
    """A customer: calls, presses `digits` (RFC 2833), then speaks (PCMA) while waiting, and
    hangs up (hang_up) or waits for the engine to hang up. Digits go first and alone: two RTP
    streams at once (speech and telephone-events replayed from different captures, with their
    own sequence numbers) make the receiver drop one of them."""
    steps = [INVITE.format(caller=caller), f'<pause milliseconds="{before_digits_ms}"/>']
    for digit in digits:
        steps.append(f'<nop><action><exec play_pcap_audio="{PCAPS / DIGIT_FILES[digit]}"/>'
                     "</action></nop>")
        steps.append(f'<pause milliseconds="{between_digits_ms}"/>')
    if hang_up:
        waited = 0
        while waited < then_wait_ms:  # speech, again and again, until the caller hangs up
            steps.append(f'<nop><action><exec play_pcap_audio="{PCAPS / "g711a.pcap"}"/>'
                         "</action></nop>")
            chunk = min(int(SPEECH_SECONDS * 1000) + 100, then_wait_ms - waited)
            steps.append(f'<pause milliseconds="{chunk}"/>')
            waited += chunk
        steps.append(CALLER_BYE.format(caller=caller))
    else:
        steps.append(f'<nop><action><exec play_pcap_audio="{PCAPS / "g711a.pcap"}"/>'
                     "</action></nop>")
        steps.append(ENGINE_BYE.format(caller=caller, timeout_ms=engine_bye_timeout_ms))
    path.write_text('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="customer">\n'
                    + "\n".join(steps) + "\n</scenario>\n", encoding="latin-1")
    return path


SIPP_MEDIA_PORTS = 4  # sipp binds audio RTP and RTCP, then video RTP and RTCP, from -mp up


def media_ports(count: int, start: int = 10_000) -> list[int]:
    """Media base ports for `count` sipp customers, each with its four ports free, below both
    the kernel's ephemeral range (32768+) and our engine workers' RTP ranges (16384+): a port
    picked from the ephemeral range could be taken by an RTP leg before sipp binds it."""
    found: list[int] = []
    port = start - start % SIPP_MEDIA_PORTS
    while len(found) < count and port < 16_000:
        sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                   for _ in range(SIPP_MEDIA_PORTS)]
        try:
            for offset, sock in enumerate(sockets):
                sock.bind(("127.0.0.1", port + offset))
            found.append(port)
        except OSError:
            pass
        finally:
            for sock in sockets:
                sock.close()
        port += SIPP_MEDIA_PORTS
    return found


def run_sipp(scenario: Path, target: str, *, service: str, local_port: int, calls: int = 1,
             rate: int = 1, timeout_s: int = 90, media_port: int = 0) -> subprocess.Popen[bytes]:
    """Start sipp calling `service`@target (host:port); the caller waits for it."""
    args = ["sipp", target, "-sf", str(scenario), "-s", service, "-i", "127.0.0.1",
            "-p", str(local_port), "-m", str(calls), "-r", str(rate), "-l", str(calls),
            "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin",
            "-trace_err", "-error_file", str(scenario.with_suffix(".errors.log"))]
    if media_port:
        args += ["-mp", str(media_port)]
    return subprocess.Popen(args, cwd=scenario.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
