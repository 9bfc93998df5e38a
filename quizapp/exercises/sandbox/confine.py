"""The limits a forked child puts on itself before it runs a learner's code.

Each layer reports whether it applied, so the learner is told plainly how strong the sandbox is:
- rlimits: CPU seconds, address space, file size, open files, no core dumps;
- Landlock (Linux ≥ 5.13): files may be read only from Python's and the system's folders and the work
  dir, and written only in the work dir; TCP is refused;
- seccomp: no fork/exec (threads still work), no sockets, no ptrace.
Landlock and seccomp are applied through raw system calls with ctypes: no package offers them for
every Python and architecture, and each takes a few microseconds.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
import sys

_LINUX = platform.system() == "Linux"
_libc = ctypes.CDLL(None, use_errno=True)
if _LINUX:
    _libc.syscall.restype = ctypes.c_long
    _libc.prctl.restype = ctypes.c_int

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def die_with_parent() -> None:
    if _LINUX:
        _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def set_rlimits(*, cpu_s: int, memory_bytes: int, file_bytes: int) -> list[str]:
    """CPU soft < hard, so running out of CPU time is SIGXCPU (a verdict), not an anonymous kill."""
    vm_size = _vm_size_bytes()
    limits = [
        (resource.RLIMIT_CPU, (cpu_s, cpu_s + 1)),
        # A forked child inherits the host's mappings: the budget is on top of what is there.
        (resource.RLIMIT_AS, (vm_size + memory_bytes,) * 2),
        (resource.RLIMIT_FSIZE, (file_bytes,) * 2),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    for which, value in limits:
        resource.setrlimit(which, value)
    return [f"rlimits: {cpu_s} s CPU, {memory_bytes >> 20} MiB memory, {file_bytes >> 20} MiB per file"]


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # no /proc: not Linux
        pass
    return 0


# -- Landlock --------------------------------------------------------------------------------------

_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_FS_WRITE_V1 = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make*
_FS_REFER = 1 << 13
_FS_TRUNCATE = 1 << 14
_NET_TCP = (1 << 0) | (1 << 1)  # bind, connect


_FS_READ = (1 << 2) | (1 << 3)  # read_file, read_dir


def readable_roots() -> list[str]:
    """Where a check may read: Python itself and its packages, and the system's shared files."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path, "/usr", "/lib", "/lib64", "/etc", "/dev", "/proc"]
    return sorted({os.path.realpath(path) for path in candidates if path and os.path.isdir(path)})


def restrict_files(workdir: str, readable: list[str]) -> str | None:
    """Reads only under `readable` and `workdir`, writes only under `workdir` (and /dev/null); no TCP.

    None when Landlock is unavailable (not Linux, kernel < 5.13, or disabled).
    """
    numbers = _SYS_LANDLOCK.get(platform.machine()) if _LINUX else None
    if numbers is None:
        return None
    create, add_rule, restrict = numbers
    abi = _libc.syscall(create, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return None
    handled_fs = _FS_READ | _FS_WRITE_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    handled_net = _NET_TCP if abi >= 4 else 0
    attr = struct.pack("=QQ", handled_fs, handled_net) if abi >= 4 else struct.pack("=Q", handled_fs)
    ruleset = _libc.syscall(create, ctypes.c_char_p(attr), len(attr), 0)
    if ruleset < 0:
        return None
    read_file, write_file = 1 << 2, 1 << 1
    rules = [(workdir, handled_fs), ("/dev/null", read_file | write_file)] + [(root, _FS_READ) for root in readable]
    try:
        for path, access in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = struct.pack("=Qi", access, fd)  # struct landlock_path_beneath_attr is packed
                if _libc.syscall(add_rule, ruleset, 1, ctypes.c_char_p(rule), 0) != 0:
                    return None
            finally:
                os.close(fd)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if _libc.syscall(restrict, ruleset, 0) != 0:
            return None
    finally:
        os.close(ruleset)
    return ("landlock: files read only from Python's folders, system folders and the work dir, written only in "
            "the work dir" + ("; TCP refused" if handled_net else ""))


# -- seccomp ---------------------------------------------------------------------------------------

# (audit arch, clone, clone3, execve, execveat, socket, ptrace, fork, vfork)
_SECCOMP_ARCH = {
    "x86_64": (0xC000003E, 56, 435, 59, 322, 41, 101, 57, 58),
    "aarch64": (0xC00000B7, 220, 435, 221, 281, 198, 117, None, None),
}
_CLONE_THREAD = 0x00010000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def forbid_processes_and_sockets() -> str | None:
    """Refuse fork, exec, socket and ptrace with EPERM; threads (clone with CLONE_THREAD) still work."""
    numbers = _SECCOMP_ARCH.get(platform.machine()) if _LINUX else None
    if numbers is None:
        return None
    arch, clone, clone3, *denied = numbers
    denied = [number for number in denied if number is not None]
    ld_w_abs, jeq_k, jset_k, ret_k = 0x20, 0x15, 0x45, 0x06
    program = [
        _bpf(ld_w_abs, 0, 0, 4),  # seccomp_data.arch
        _bpf(jeq_k, 1, 0, arch),
        _bpf(ret_k, 0, 0, _RET_ALLOW),  # another ABI (e.g. x32): leave it alone
        _bpf(ld_w_abs, 0, 0, 0),  # seccomp_data.nr
        _bpf(jeq_k, 0, 4, clone),
        _bpf(ld_w_abs, 0, 0, 16),  # clone flags: low word of args[0]
        _bpf(jset_k, 0, 1, _CLONE_THREAD),
        _bpf(ret_k, 0, 0, _RET_ALLOW),
        _bpf(ret_k, 0, 0, _RET_ERRNO | _EPERM),
        # clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
        _bpf(jeq_k, 0, 1, clone3),
        _bpf(ret_k, 0, 0, _RET_ERRNO | _ENOSYS),
    ]
    for number in denied:
        program += [_bpf(jeq_k, 0, 1, number), _bpf(ret_k, 0, 0, _RET_ERRNO | _EPERM)]
    program.append(_bpf(ret_k, 0, 0, _RET_ALLOW))
    code = b"".join(program)
    buffer = ctypes.create_string_buffer(code)
    fprog = struct.pack("@HP", len(program), ctypes.addressof(buffer))  # struct sock_fprog
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0) != 0:
        return None
    return "seccomp: no new processes, no exec, no sockets"
