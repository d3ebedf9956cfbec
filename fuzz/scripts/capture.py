#!/usr/bin/env python3
"""Makes the seed corpus of smbkit's fuzz targets from real traffic.

Starts smbkitd (unsigned where the client allows it, and once with sealing),
puts a recording TCP proxy on loopback in front of it, runs the interop
clients through the proxy (smbclient: listing, share enumeration over
srvsvc, put/get/ls/allinfo/mkdir/rm; smbprotocol: opens, reads, writes,
directory and info queries, a sealed session), and splits what went over the
wire into one file per message per target under fuzz/corpus/<target>/.

Usage: fuzz/scripts/capture.py [--smbkitd PATH] [--port N]
(default: builds smbkitd with cargo and uses ports 44590/44591).
"""

import argparse
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
USER, PASSWORD = "fuzz", "Fuzz-Pass-1"

# ---------------------------------------------------------------- the proxy

class Recorder:
    """A TCP proxy that records every Direct-TCP frame, per connection."""

    def __init__(self, listen_port, server_port):
        self.listen_port, self.server_port = listen_port, server_port
        self.connections = []  # list of lists of (direction, frame)
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", listen_port))
        self.sock.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.server_port))
            log = []
            with self.lock:
                self.connections.append(log)
            for a, b, d in ((client, server, "c2s"), (server, client, "s2c")):
                threading.Thread(target=self.pump, args=(a, b, d, log), daemon=True).start()

    def pump(self, src, dst, direction, log):
        buf = b""
        while True:
            try:
                data = src.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            dst.sendall(data)
            buf += data
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
                if len(buf) < 4 + n:
                    break
                with self.lock:
                    log.append((direction, buf[4 : 4 + n]))
                buf = buf[4 + n :]

# ---------------------------------------------------------------- the clients

def smbclient(port, *args):
    base = ["smbclient", "-p", str(port), "-U", f"{USER}%{PASSWORD}"]
    subprocess.run(base + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

def run_smbclient(port, work):
    local = os.path.join(work, "local.txt")
    with open(local, "wb") as f:
        f.write(b"hello fuzz corpus\n" * 300)
    smbclient(port, "-L", "//127.0.0.1")  # srvsvc NetShareEnumAll over IPC$
    cmds = (f"put {local} a.txt; ls; allinfo a.txt; get a.txt {local}.back; mkdir d; cd d; "
            "put " + local + " b.txt; ls; cd ..; deltree d; rename a.txt c.txt; "
            "setmode c.txt +r; setmode c.txt -r; stat c.txt; rm c.txt; volume; ls")
    for extra in ([], ["-m", "SMB2_10"], ["-m", "SMB3_00"], ["--client-protection=sign"]):
        smbclient(port, "//127.0.0.1/share", *extra, "-c", cmds)

SMBPROTOCOL = r'''
import sys, uuid
from smbprotocol.connection import Connection, Dialects
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect
from smbprotocol.open import (Open, CreateDisposition, CreateOptions, FilePipePrinterAccessMask,
    ImpersonationLevel, ShareAccess, FileAttributes, DirectoryAccessMask, FileInformationClass)
port, user, password, seal = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
conn = Connection(uuid.uuid4(), "127.0.0.1", port)
conn.connect(Dialects.SMB_3_1_1)
sess = Session(conn, user, password, require_encryption=seal)
sess.connect()
tree = TreeConnect(sess, r"\\127.0.0.1\share")
tree.connect()
f = Open(tree, "p.bin")
f.create(ImpersonationLevel.Impersonation, FilePipePrinterAccessMask.MAXIMUM_ALLOWED,
    FileAttributes.FILE_ATTRIBUTE_NORMAL, ShareAccess.FILE_SHARE_READ,
    CreateDisposition.FILE_OVERWRITE_IF, CreateOptions.FILE_NON_DIRECTORY_FILE)
f.write(b"x" * 5000, 0)
f.read(0, 5000)
f.flush()
f.close()
d = Open(tree, "")
d.create(ImpersonationLevel.Impersonation, DirectoryAccessMask.FILE_LIST_DIRECTORY,
    FileAttributes.FILE_ATTRIBUTE_DIRECTORY, ShareAccess.FILE_SHARE_READ,
    CreateDisposition.FILE_OPEN, CreateOptions.FILE_DIRECTORY_FILE)
for cls in (FileInformationClass.FILE_DIRECTORY_INFORMATION,
            FileInformationClass.FILE_ID_BOTH_DIRECTORY_INFORMATION,
            FileInformationClass.FILE_NAMES_INFORMATION):
    try:
        d.query_directory("*", cls)
    except Exception:
        pass
d.close()
f = Open(tree, "p.bin")
f.create(ImpersonationLevel.Impersonation, FilePipePrinterAccessMask.MAXIMUM_ALLOWED,
    FileAttributes.FILE_ATTRIBUTE_NORMAL, ShareAccess.FILE_SHARE_DELETE,
    CreateDisposition.FILE_OPEN, CreateOptions.FILE_DELETE_ON_CLOSE)
f.close()
tree.disconnect()
sess.disconnect()
conn.disconnect()
'''

def run_smbprotocol(port, seal):
    subprocess.run([sys.executable, "-c", SMBPROTOCOL, str(port), USER, PASSWORD, "1" if seal else "0"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

# ---------------------------------------------------------------- splitting

def put(target, data, seen):
    if not data or len(data) > 16384:
        return
    digest = hashlib.sha1(data).hexdigest()[:16]
    if (target, digest) in seen:
        return
    seen.add((target, digest))
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, digest), "wb") as f:
        f.write(data)

def elements(frame):
    out, rest = [], frame
    while len(rest) >= 64:
        nxt = struct.unpack_from("<I", rest, 20)[0]
        if nxt == 0 or nxt > len(rest):
            out.append(rest)
            break
        out.append(rest[:nxt])
        rest = rest[nxt:]
    return out

def lp(chunks):
    """u16 LE length-prefixed chunks, as the multi-message targets read them."""
    return b"".join(struct.pack("<H", len(c)) + c for c in chunks)

def buffer_at(msg, off_pos, len_pos, off_size=2, len_size=4):
    off = int.from_bytes(msg[off_pos:off_pos + off_size], "little")
    n = int.from_bytes(msg[len_pos:len_pos + len_size], "little")
    return msg[off:off + n] if n and off + n <= len(msg) else b""

def split(connection, seen):
    queries = {}  # MessageId -> (command, info type/class)
    pipe_writes, session_frames = [], []
    for direction, frame in connection:
        if frame[:4] == b"\xfdSMB":
            flags = struct.unpack_from("<H", frame, 42)[0]
            put("transform", bytes([0x01]) + frame, seen)  # AES-128-GCM slot
            continue
        if frame[:4] != b"\xfeSMB":
            continue
        put("compound", frame, seen)
        if direction == "c2s":
            session_frames.append(bytes([0x2F]) + frame)
        for msg in elements(frame):
            put("wire_pdu", b"\x00" + msg, seen)
            cmd = struct.unpack_from("<H", msg, 12)[0]
            mid = struct.unpack_from("<Q", msg, 24)[0]
            response = bool(struct.unpack_from("<I", msg, 16)[0] & 1)
            if cmd == 1:  # SESSION_SETUP: SPNEGO / NTLMSSP tokens
                token = buffer_at(msg, 64 + 12, 64 + 14, 2, 2) if not response else buffer_at(msg, 64 + 4, 64 + 6, 2, 2)
                if token:
                    put("spnego", b"\x00" + token, seen)
                    i = token.find(b"NTLMSSP\x00")
                    if i >= 0:
                        ntlm = token[i:]
                        kind = ntlm[8] if len(ntlm) > 8 else 0
                        sel = {1: 0, 2: 1, 3: 2}.get(kind)
                        if sel is not None:
                            put("ntlm", bytes([sel]) + ntlm, seen)
                        if kind == 2:
                            put("ntlm", b"\x05" + ntlm, seen)
                            # The TargetInfo (AV pairs) of the CHALLENGE.
                            ti = buffer_at(ntlm, 44, 40, 4, 2)
                            put("ntlm", b"\x03" + ti, seen)
                        if kind == 3:
                            put("ntlm", b"\x04" + ntlm, seen)
            elif cmd == 16 and not response:  # QUERY_INFO request: remember the class
                queries[mid] = (msg[64 + 2], msg[64 + 3])
            elif cmd == 16 and response and mid in queries:
                info_type, cls = queries[mid]
                out = buffer_at(msg, 64 + 2, 64 + 4)
                if out and info_type in (1, 2):
                    put("wire_pdu", bytes([0x88, cls]) + out, seen)
            elif cmd == 14 and not response:  # QUERY_DIRECTORY
                queries[mid] = (0, msg[64 + 2])
            elif cmd == 14 and response and mid in queries:
                out = buffer_at(msg, 64 + 2, 64 + 4)
                if out:
                    put("wire_pdu", bytes([0x87, queries[mid][1]]) + out, seen)
            elif cmd == 17 and not response:  # SET_INFO
                buf = buffer_at(msg, 64 + 8, 64 + 4)
                if buf and msg[64 + 2] == 1:
                    put("wire_pdu", bytes([0x88, msg[64 + 3]]) + buf, seen)
            elif cmd == 11:  # IOCTL: pipe transceive, validate negotiate
                data = buffer_at(msg, 64 + 24, 64 + 28, 4, 4) if not response else buffer_at(msg, 64 + 32, 64 + 36, 4, 4)
                ctl = struct.unpack_from("<I", msg, 64 + 4)[0]
                if ctl == 0x00140204 and data:
                    put("wire_pdu", bytes([0x81 if response else 0x80]) + data, seen)
                rpc(data, response, pipe_writes, seen)
            elif cmd == 9 and not response:  # WRITE to the pipe
                rpc(buffer_at(msg, 64 + 2, 64 + 4), False, pipe_writes, seen)
            elif cmd == 8 and response:  # READ from the pipe
                rpc(buffer_at(msg, 64 + 2, 64 + 4, 1, 4), True, pipe_writes, seen)
            elif cmd == 15 and response:  # CHANGE_NOTIFY
                put("wire_pdu", b"\x82" + buffer_at(msg, 64 + 2, 64 + 4), seen)
    if pipe_writes:
        put("rpc_pipe", b"\x00" + lp(pipe_writes[:16]), seen)
        put("rpc_pipe", b"\x02" + lp(pipe_writes[:16]), seen)
    # From a fresh connection (mode 5): the client's first frames as sent,
    # NEGOTIATE and SESSION_SETUP included (flags 0: nothing patched).
    if session_frames:
        put("session", b"\x05" + lp([b"\x00" + f[1:] for f in session_frames[:8]]), seen)
    # The session target signs in itself: keep what follows TREE_CONNECT.
    for start in range(len(session_frames)):
        if session_frames[start][1 + 12] == 3:
            rest = session_frames[start + 1:]
            for i in range(0, len(rest), 16):
                put("session", b"\x04" + lp(rest[i:i + 16]), seen)
            break

def rpc(data, response, pipe_writes, seen):
    if len(data) < 16 or data[0] != 5:
        return
    put("rpc_pdu", b"\x00" + data, seen)
    if not response:
        pipe_writes.append(data)
    ptype = data[2]
    if ptype == 0 and len(data) >= 24:  # request: the stub by opnum
        opnum = struct.unpack_from("<H", data, 22)[0]
        stub = data[24:]
        sel = {15: 1, 16: 2, 21: 3}.get(opnum)
        if sel is not None:
            put("rpc_pdu", bytes([sel]) + stub, seen)
    if ptype == 2 and len(data) >= 24:  # response stub (NetrShareEnum answers)
        put("rpc_pdu", b"\x05" + data[24:], seen)

# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smbkitd")
    ap.add_argument("--port", type=int, default=44590)
    args = ap.parse_args()
    smbkitd = args.smbkitd
    if not smbkitd:
        subprocess.run(["cargo", "build", "-p", "smbkit-server", "--bin", "smbkitd"], cwd=ROOT, check=True)
        meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                              check=True, capture_output=True, text=True).stdout
        import json
        smbkitd = os.path.join(json.loads(meta)["target_directory"], "debug", "smbkitd")
    seen = set()
    for name in os.listdir(CORPUS) if os.path.isdir(CORPUS) else []:
        for f in os.listdir(os.path.join(CORPUS, name)):
            seen.add((name, f))
    work = tempfile.mkdtemp(prefix="smbkit-capture-")
    try:
        for round_, (signing, encrypt) in enumerate((("enabled", False), ("required", True))):
            share = os.path.join(work, "share")
            shutil.rmtree(share, ignore_errors=True)
            os.makedirs(share)
            conf = os.path.join(work, "smbkitd.toml")
            with open(conf, "w") as f:
                f.write(f'[server]\nlisten = ["127.0.0.1:{args.port}"]\nsigning = "{signing}"\n'
                        f'[[share]]\nname = "share"\npath = "{share}"\nencrypt = {str(encrypt).lower()}\n'
                        f'[[user]]\nname = "{USER}"\npassword = "{PASSWORD}"\n')
            server = subprocess.Popen([smbkitd, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(1.0)
                proxy_port = args.port + 1 + round_
                proxy = Recorder(proxy_port, args.port)
                run_smbclient(proxy_port, work)
                run_smbprotocol(proxy_port, encrypt)
                time.sleep(0.5)
                proxy.sock.close()
                for connection in list(proxy.connections):
                    split(connection, seen)
            finally:
                server.terminate()
                server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name in sorted(os.listdir(CORPUS)):
        print(name, len(os.listdir(os.path.join(CORPUS, name))))

if __name__ == "__main__":
    main()
