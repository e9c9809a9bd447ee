"""Kamailio (Debian's package) as the one SIP address in front of the engine's workers: new
calls are spread over the workers with the dispatcher module (round robin), and a worker that
is full (486, its four legs in use) or gone passes the call to the next one. In-dialog requests
follow the Record-Route, so a call stays with its worker.

Optional: `contacta voice` starts it when CONTACTA_VOICE_EDGE_PORT is set and kamailio is
installed; otherwise trunks list the workers' ports.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

MODULES_DIR = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

CONFIG = """#!KAMAILIO
# Made by contacta voice: the SIP edge in front of the call-engine workers.
debug=1
log_stderror=yes
fork=yes
children=2
disable_tcp=yes
listen=udp:{host}:{port}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "pv.so"
loadmodule "dispatcher.so"
modparam("dispatcher", "list_file", "{targets}")
modparam("dispatcher", "flags", 2)
modparam("dispatcher", "ds_ping_interval", 0)
# A worker answers at once on the same host or LAN: two seconds without a reply is a dead one.
modparam("tm", "fr_timer", 2000)
modparam("tm", "fr_inv_timer", 60000)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (has_totag()) {{
        if (loose_route() || is_method("ACK")) {{
            t_relay();
            exit;
        }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    if (is_method("OPTIONS")) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (!is_method("INVITE")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    record_route();
    if (!ds_select_dst("1", "4")) {{
        sl_send_reply("503", "No call engine");
        exit;
    }}
    t_on_failure("NEXT_WORKER");
    t_relay();
    exit;
}}

failure_route[NEXT_WORKER] {{
    if (t_is_canceled()) {{
        exit;
    }}
    if (t_check_status("486|500|503|408") && ds_next_dst()) {{
        t_on_failure("NEXT_WORKER");
        t_relay();
    }}
}}
"""


def available() -> bool:
    return shutil.which("kamailio") is not None and Path(MODULES_DIR, "dispatcher.so").exists()


def write_config(folder: Path, host: str, port: int, workers: list[str]) -> Path:
    """The configuration and the dispatcher's list of workers (set 1, one line each)."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = folder / "dispatcher.list"
    targets.write_text("".join(f"1 sip:{address}\n" for address in workers))
    config = folder / "kamailio.cfg"
    config.write_text(CONFIG.format(host=host, port=port, modules=MODULES_DIR,
                                    targets=targets))
    return config


def start(folder: Path, host: str, port: int, workers: list[str]) -> subprocess.Popen[bytes]:
    """Kamailio in the foreground (-DD), so it stops with us; its log goes to its folder."""
    config = write_config(folder, host, port, workers)
    log = (folder / "kamailio.log").open("wb")
    return subprocess.Popen(["kamailio", "-f", str(config), "-DD", "-E", "-P",
                             str(folder / "kamailio.pid")], stdout=log, stderr=log)
