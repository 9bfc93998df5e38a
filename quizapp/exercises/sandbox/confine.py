"""The limits a forked child puts on itself before it runs a learner's code.

Each layer reports whether it applied, so the learner is told plainly how strong the sandbox is:
- rlimits: CPU seconds, address space, file size, open files, no core dumps;
- capabilities: all dropped (the host may hold some inside its own user namespace);
- Landlock (Linux ≥ 5.13): files may be read only from Python's and the system's folders and the work
  dir, and written only in the work dir; TCP is refused (ABI 4); signals and abstract Unix sockets
  cannot reach outside the check (ABI 6);
- seccomp: no fork/exec (threads still work), no sockets, no signals but to itself, no ptrace or
  other processes' memory, no mounts or namespaces, no io_uring (which would get round the filter).
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
_MACHINE = platform.machine()
_libc = ctypes.CDLL(None, use_errno=True)
if _LINUX:
    _libc.syscall.restype = ctypes.c_long
    _libc.prctl.restype = ctypes.c_int

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def die_with_parent() -> None:
    if _LINUX:
        _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def set_name(name: bytes) -> None:
    """The process's name as `ps` and /proc/PID/comm show it (at most 15 bytes)."""
    if _LINUX:
        _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name[:15]), 0, 0, 0)


def not_dumpable() -> None:
    """Keeps other processes of the same user out of this one's /proc files (mem, fd) and ptrace."""
    if _LINUX:
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def set_rlimits(
    *, cpu_s: int, memory_bytes: int, file_bytes: int, mapped_bytes: int | None = None
) -> list[str]:
    """CPU soft < hard, so running out of CPU time is SIGXCPU (a verdict), not an anonymous kill.

    The memory budget comes on top of `mapped_bytes` (what the process maps now, when None)."""
    vm_size = vm_size_bytes() if mapped_bytes is None else mapped_bytes
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


def vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # no /proc: not Linux
        pass
    return 0


# -- capabilities ----------------------------------------------------------------------------------

_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_CAPABILITY_VERSION_3 = 0x20080522


def drop_capabilities() -> bool:
    """Give up every capability: the host runs as root inside its user namespace, the learner must not."""
    number = _SYS_CAPSET.get(_MACHINE) if _LINUX else None
    if number is None:
        return False
    header = ctypes.create_string_buffer(struct.pack("=Ii", _CAPABILITY_VERSION_3, 0))
    data = ctypes.create_string_buffer(bytes(24))  # two of {effective, permitted, inheritable}, all zero
    return _libc.syscall(number, header, data) == 0


# -- Landlock --------------------------------------------------------------------------------------

_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_FS_WRITE_V1 = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make*
_FS_READ = (1 << 2) | (1 << 3)  # read_file, read_dir
_FS_READ_FILE, _FS_WRITE_FILE = 1 << 2, 1 << 1
_FS_REFER = 1 << 13
_FS_TRUNCATE = 1 << 14
_FS_IOCTL_DEV = 1 << 15
_NET_TCP = (1 << 0) | (1 << 1)  # bind, connect
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
"""The only devices a check may open: not the learner's terminal (/dev/pts/N), which it could read."""


def readable_roots() -> list[str]:
    """Where a check may read: Python itself and its packages, and the system's shared files."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path, "/usr", "/lib", "/lib64", "/etc"]
    return sorted({os.path.realpath(path) for path in candidates if path and os.path.isdir(path)})


def landlock_abi() -> int:
    numbers = _SYS_LANDLOCK.get(_MACHINE) if _LINUX else None
    if numbers is None:
        return 0
    return max(int(_libc.syscall(numbers[0], None, 0, 1)), 0)  # LANDLOCK_CREATE_RULESET_VERSION


def restrict_files(workdir: str, readable: list[str]) -> str | None:
    """Reads only under `readable`, `workdir` and this process's own /proc entry; writes only under
    `workdir` (and /dev/null); no TCP; no signals or abstract sockets outside the check.

    None when Landlock is unavailable (not Linux, kernel < 5.13, or disabled).
    """
    abi = landlock_abi()
    if abi < 1:
        return None
    create, add_rule, restrict = _SYS_LANDLOCK[_MACHINE]
    handled_fs = (
        _FS_READ
        | _FS_WRITE_V1
        | (_FS_REFER if abi >= 2 else 0)
        | (_FS_TRUNCATE if abi >= 3 else 0)
        | (_FS_IOCTL_DEV if abi >= 5 else 0)
    )
    handled_net = _NET_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled_fs, handled_net)
    else:
        attr = struct.pack("=Q", handled_fs)
    ruleset = _libc.syscall(create, ctypes.c_char_p(attr), len(attr), 0)
    if ruleset < 0:
        return None
    rules = [(workdir, handled_fs), (f"/proc/{os.getpid()}", _FS_READ)]
    rules += [
        (device, _FS_READ_FILE | (_FS_WRITE_FILE if device == "/dev/null" else 0)) for device in DEVICES
    ]
    rules += [(root, _FS_READ) for root in readable]
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # e.g. no /dev/random in a minimal container: one device fewer is no loss
            try:
                rule = struct.pack(
                    "=Qi", access & handled_fs, fd
                )  # struct landlock_path_beneath_attr is packed
                if _libc.syscall(add_rule, ruleset, 1, ctypes.c_char_p(rule), 0) != 0:
                    return None
            finally:
                os.close(fd)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if _libc.syscall(restrict, ruleset, 0) != 0:
            return None
    finally:
        os.close(ruleset)
    return (
        "landlock: files read only from Python's folders, system folders and the work dir, written only in "
        "the work dir; no terminals or other devices"
        + ("; TCP refused" if handled_net else "")
        + ("; signals and abstract sockets cannot leave the check" if scoped else "")
    )


# -- seccomp ---------------------------------------------------------------------------------------

_SECCOMP_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_SYSCALLS = {
    # name: (x86_64, aarch64); None where the architecture has no such call
    "clone": (56, 220),
    "clone3": (435, 435),
    "fork": (57, None),
    "vfork": (58, None),
    "execve": (59, 221),
    "execveat": (322, 281),
    "socket": (41, 198),
    "kill": (62, 129),
    "tkill": (200, 130),
    "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
    "pidfd_open": (434, 434),
    "pidfd_send_signal": (424, 424),
    "pidfd_getfd": (438, 438),
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "prctl": (157, 167),
    "unshare": (272, 97),
    "setns": (308, 268),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
}
_DENIED = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "socket",
    "tkill",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
)
_TO_SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
"""Signals whose first argument is a process id: allowed only to this process (raise(), abort())."""
_CLONE_THREAD = 0x00010000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_LD_W_ABS, _JEQ_K, _JSET_K, _RET_K = 0x20, 0x15, 0x45, 0x06
_NR, _ARCH, _ARG0_LOW, _ARG0_HIGH = 0, 4, 16, 20  # offsets in struct seccomp_data (little-endian)


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _seccomp_program(machine: str, own_pid: int) -> list[bytes] | None:
    column = {"x86_64": 0, "aarch64": 1}.get(machine)
    if column is None:
        return None
    number: dict[str, int] = {
        name: nr for name, numbers in _SYSCALLS.items() if (nr := numbers[column]) is not None
    }
    allow, deny = _bpf(_RET_K, 0, 0, _RET_ALLOW), _bpf(_RET_K, 0, 0, _RET_ERRNO | _EPERM)
    program = [
        _bpf(_LD_W_ABS, 0, 0, _ARCH),
        _bpf(_JEQ_K, 1, 0, _SECCOMP_AUDIT_ARCH[machine]),
        allow,  # another ABI (e.g. x32): its numbers differ, leave it alone
        _bpf(_LD_W_ABS, 0, 0, _NR),
        # clone: threads only. Every block that loads an argument ends in a return: the accumulator
        # no longer holds the system call's number after it.
        _bpf(_JEQ_K, 0, 4, number["clone"]),
        _bpf(_LD_W_ABS, 0, 0, _ARG0_LOW),
        _bpf(_JSET_K, 0, 1, _CLONE_THREAD),
        allow,
        deny,
        # clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
        _bpf(_JEQ_K, 0, 1, number["clone3"]),
        _bpf(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS),
        # prctl: anything but clearing the parent-death signal, which would let the check outlive its host.
        _bpf(_JEQ_K, 0, 4, number["prctl"]),
        _bpf(_LD_W_ABS, 0, 0, _ARG0_LOW),
        _bpf(_JEQ_K, 0, 1, PR_SET_PDEATHSIG),
        deny,
        allow,
    ]
    for name in _TO_SELF_ONLY:
        program += [
            _bpf(_JEQ_K, 0, 6, number[name]),
            _bpf(_LD_W_ABS, 0, 0, _ARG0_LOW),
            _bpf(_JEQ_K, 0, 3, own_pid),
            _bpf(_LD_W_ABS, 0, 0, _ARG0_HIGH),
            _bpf(_JEQ_K, 0, 1, 0),
            allow,
            deny,
        ]
    for name in _DENIED:
        if name in number:
            program += [_bpf(_JEQ_K, 0, 1, number[name]), deny]
    program.append(allow)
    return program


def forbid_processes_and_sockets() -> str | None:
    """Install the seccomp filter (see the module's docstring); None where seccomp is unavailable."""
    program = _seccomp_program(_MACHINE, os.getpid()) if _LINUX else None
    if program is None:
        return None
    buffer = ctypes.create_string_buffer(b"".join(program))
    fprog = struct.pack("@HP", len(program), ctypes.addressof(buffer))  # struct sock_fprog
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0) != 0:
        return None
    return (
        "seccomp: no new processes, no exec, no sockets, no signals to other processes, no ptrace, "
        "no mounts or namespaces"
    )
