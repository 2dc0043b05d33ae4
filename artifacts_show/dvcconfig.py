"""DVC's config: configobj's INI dialect as DVC reads it, its levels, and its remotes.

Pure: files come as arguments; nothing here runs git or opens a file.

What DVC does, and what is done here (each checked against dvc 3.67.1):

- Config levels, each overriding the one before: system, global (the user's
  files, given by the caller), the commit's ``<project>/.dvc/config``, and for
  a local work tree its ``.dvc/config.local``. Keys and remote names are
  case-insensitive. ``remote=`` replaces ``core.remote``; an output's own
  ``remote:`` field wins over both. ``remote://name/sub`` extends another
  remote's URL and settings.
"""

from __future__ import annotations

import os
import posixpath
import re

from ._speed import TYPE_CHECKING, NamedTuple
from .errors import ArtifactNotFoundError, MalformedFileError

if TYPE_CHECKING:
    from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence, Tuple

    from .yaml12 import FileReader

    Options = Dict[str, Any]

SUPPORTED_SCHEMES = ("s3", "gs", "azure", "http", "https", "webdav", "webdavs", "ssh", "hdfs", "remote")
"""URL schemes DVC's config accepts and this package forms URLs for; a URL without
a host is a local path whatever it starts with, as in DVC's config schema."""
PLUGIN_SCHEMES = {"oss": "dvc-oss", "gdrive": "dvc-gdrive", "webhdfs": "dvc-webhdfs"}
"""Accepted by DVC's config, but their URLs are formed by plugins this project does not follow."""
_URL_PREFIX_RE = re.compile(r"\w+://")
_CONFIG_INTERPOLATION_RE = re.compile(r"%\(([^)]*)\)s")


class ConfigFile(NamedTuple):
    """A user-level DVC config file: relative URLs in it are relative to its folder."""

    path: str
    content: bytes


class LocalCheckout(NamedTuple):
    """A local work tree: its ``.dvc/config.local`` and the folder relative remotes start from.

    ``read_file`` reads a file of the work tree by its path relative to ``root``
    (None if there is none); ``root`` is the work tree's top folder.
    """

    root: str
    read_file: FileReader


def user_config_paths(environ: Mapping[str, str], platform: str) -> List[str]:
    """The system and the global DVC config file, in the order DVC merges them.

    As DVC finds them: ``DVC_SYSTEM_CONFIG_DIR`` and ``DVC_GLOBAL_CONFIG_DIR``
    first, else the platform's folders for application "dvc" of "iterative"
    (platformdirs' defaults; on macOS some platformdirs versions also honour
    the XDG variables, or Homebrew's prefix, where these two variables decide).
    """
    if platform == "win32":
        import ntpath

        system = environ.get("DVC_SYSTEM_CONFIG_DIR") or ntpath.join(
            environ.get("PROGRAMDATA", "C:\\ProgramData"), "iterative", "dvc")
        user = environ.get("DVC_GLOBAL_CONFIG_DIR") or ntpath.join(
            environ.get("LOCALAPPDATA", ntpath.join(environ.get("USERPROFILE", ""), "AppData", "Local")),
            "iterative", "dvc")
        return [ntpath.join(system, "config"), ntpath.join(user, "config")]
    home = environ.get("HOME") or os.path.expanduser("~")
    if platform == "darwin":
        system_default = "/Library/Application Support/dvc"
        user_default = posixpath.join(home, "Library/Application Support/dvc")
    else:  # XDG: relative entries are ignored, as the specification says
        config_dirs = [entry for entry in environ.get("XDG_CONFIG_DIRS", "").split(":")
                       if entry.startswith("/")]
        config_home = environ.get("XDG_CONFIG_HOME", "")
        system_default = posixpath.join(config_dirs[0] if config_dirs else "/etc/xdg", "dvc")
        user_default = posixpath.join(
            config_home if config_home.startswith("/") else posixpath.join(home, ".config"), "dvc")
    system = environ.get("DVC_SYSTEM_CONFIG_DIR") or system_default
    user = environ.get("DVC_GLOBAL_CONFIG_DIR") or user_default
    return [posixpath.join(system, "config"), posixpath.join(user, "config")]



# -- DVC's config: configobj's INI dialect, the subset DVC writes and reads --

def parse_config(text: str, label: str) -> Dict[str, Any]:
    """Sections -> options, keys lower-cased; ``['remote "name"']`` sections under ``remote``.

    The dialect of configobj, which DVC reads: ``#`` starts a comment (also
    after a value), values may be quoted, an unquoted comma makes a list,
    a key or section given twice is an error, ``%(key)s`` is replaced by the
    value of ``key`` in the same section (or in ``[DEFAULT]``). ``label``
    names the file in errors.
    """
    sections: Dict[str, Dict[str, Any]] = {}
    current: Optional[Dict[str, Any]] = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            if stripped.startswith("["):
                name = _section_name(stripped)
                if name in sections:
                    raise ValueError(f"section [{name}] given twice")
                current = sections[name] = {}
                continue
            key, value = _key_value(stripped)
            if current is None:
                raise ValueError("an option outside any section")
            if key in current:
                raise ValueError(f"option '{key}' given twice")
            current[key] = value
        except ValueError as problem:
            raise MalformedFileError(f"{label}: invalid DVC config at line {number}: {problem}") from None
    config: Dict[str, Any] = {"remote": {}}
    for name, options in sections.items():
        try:
            lowered = {key.lower(): _interpolated(value, options, sections.get("DEFAULT", {}), (key,))
                       for key, value in options.items()}
        except ValueError as problem:
            raise MalformedFileError(f"{label}: invalid DVC config in [{name}]: {problem}") from None
        named = re.fullmatch(r'\s*(remote|machine|db)\s*"(.*)"\s*', name.lower())
        if name.strip().lower() in ("remote", "machine", "db"):
            raise MalformedFileError(f"{label}: invalid DVC config: [{name}] has no name ([{name} \"name\"])")
        if named:
            config.setdefault(named.group(1), {})[named.group(2)] = lowered
        else:
            config.setdefault(name.lower(), {}).update(lowered)
    return config


def _interpolated(
    value: Any, section: Dict[str, Any], defaults: Dict[str, Any], trail: Tuple[str, ...]
) -> Any:
    """configobj's ``%(key)s``: keys looked up in the value's own section, then ``[DEFAULT]``."""
    if isinstance(value, list):
        return [_interpolated(item, section, defaults, trail) for item in value]

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in trail:
            raise ValueError(f"%({key})s refers to itself")
        found = section[key] if key in section else defaults.get(key)
        if not isinstance(found, str):
            raise ValueError(f"%({key})s names no option" if found is None else f"%({key})s is a list")
        return str(_interpolated(found, section, defaults, (*trail, key)))

    return _CONFIG_INTERPOLATION_RE.sub(substitute, value)


def _section_name(line: str) -> str:
    opening = len(line) - len(line.lstrip("[ \t"))
    depth = line[:opening].count("[")
    body = line[opening:]
    if "]" in body and "#" in body[body.rindex("]"):]:
        body = body[:body.rindex("]") + 1]
    body = body.rstrip()
    closing = len(body) - len(body.rstrip("] \t"))
    name = body[: len(body) - closing].strip()
    if not name or body[len(body) - closing:].count("]") != depth:
        raise ValueError("a malformed section header")
    if depth != 1:
        raise ValueError("nested sections, which DVC's config has not")
    return _unquoted(name)


def _key_value(line: str) -> Tuple[str, Any]:
    if line[0] in "\"'":
        end = line.find(line[0], 1)
        if end < 0 or not line[end + 1:].lstrip().startswith("="):
            raise ValueError("neither a section nor an option")
        key, rest = line[1:end], line[end + 1:].lstrip()[1:]
    else:
        key, equals, rest = line.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ValueError("neither a section nor an option")
    return key, _value(rest.strip())


def _value(text: str) -> Any:
    """A value: one item, or a comma-separated list; quotes kept off; a comment dropped."""
    if text.startswith(("'''", '"""')):
        quote = text[:3]
        end = text.find(quote, 3)
        if end < 0 or text[end + 3:].strip()[:1] not in ("", "#"):
            raise ValueError("a malformed triple-quoted value (values span one line in DVC's config)")
        return text[3:end]
    items: List[str] = []
    rest, commas = text, 0
    while rest and not rest.startswith("#"):
        if rest[0] in "\"'":
            end = rest.find(rest[0], 1)
            if end < 0:
                raise ValueError("a quote is not closed")
            item, rest = rest[1:end], rest[end + 1:].lstrip()
        else:
            item = re.match(r"[^,#]*", rest).group(0)  # type: ignore[union-attr]
            rest = rest[len(item):]
            item = item.strip()
            if not item:
                raise ValueError("an empty item in a list")
        items.append(item)
        if rest.startswith(","):
            commas, rest = commas + 1, rest[1:].lstrip()
        elif rest and not rest.startswith("#"):
            raise ValueError("text after a quoted value")
    if commas:
        return items
    return items[0] if items else ""


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'" else text


# -- the levels, merged --

def load_config(
    commit: str, repo_config: str, project: str, files: Collection[str], read_file: FileReader,
    user_config: Sequence[ConfigFile], checkout: Optional[LocalCheckout],
) -> Dict[str, Any]:
    """The merged config of the project, relative URLs resolved level by level, checked as DVC does."""
    levels: List[Tuple[str, str, Optional[bytes]]] = [
        (config.path, os.path.dirname(config.path), config.content) for config in user_config
    ]
    dvc_folder = (os.path.join(checkout.root, project, ".dvc") if checkout is not None
                  else posixpath.join("/", project, ".dvc"))
    levels.append((f"{repo_config} at commit {commit}", dvc_folder,
                   read_file(repo_config) if repo_config in files else None))
    if checkout is not None:
        local = posixpath.join(project, ".dvc", "config.local")
        levels.append((os.path.join(checkout.root, local), dvc_folder, checkout.read_file(local)))
    merged: Dict[str, Any] = {"remote": {}}
    origins: Dict[str, str] = {}
    for label, folder, content in levels:
        if content is None:
            continue
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MalformedFileError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        level = parse_config(text, label)
        for name, options in level["remote"].items():
            if isinstance(options.get("url"), str):
                options["url"] = _resolved(options["url"], folder)
            origins[name] = label
        _merge_overriding(merged, level)
    for name, options in merged["remote"].items():
        _check_remote(name, options, origins.get(name, "the DVC config"))
    core_remote = merged.get("core", {}).get("remote")
    if isinstance(core_remote, list):
        raise MalformedFileError(f"DVC config at commit {commit}: core.remote must be one name")
    if core_remote:
        merged["core"]["remote"] = core_remote.lower()
    return merged


def _merge_overriding(into: Dict[str, Any], update: Mapping[str, Any]) -> None:
    """``update`` merged into ``into``, section by section: a later level overrides an earlier one.

    A key given again takes the later level's value, as DVC merges its config
    levels; unlike the merge of a ``dvc.yaml``'s ``vars``, which refuses a redefinition.
    """
    for key, value in update.items():
        if isinstance(into.get(key), dict) and isinstance(value, dict):
            _merge_overriding(into[key], value)
        else:
            into[key] = value


def _resolved(url: str, folder: str) -> str:
    """A local path as DVC reads it from a config file: relative to the file's folder, ``~`` expanded."""
    if _URL_PREFIX_RE.match(url) or os.path.isabs(url):
        return url
    expanded = os.path.expanduser(url)
    if os.path.isabs(expanded):
        return expanded
    return os.path.abspath(os.path.join(folder, url))


# -- remotes --

def split_url(url: str) -> Any:
    """``urlsplit`` of ``url``; a malformed URL is a ValueError that names it."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"malformed URL {url!r}: {exc}") from None


def scheme_of(url: str) -> str:
    """The URL's scheme, or "" for a local path (DVC's config: no host, a local path)."""
    parts = split_url(url)
    return parts.scheme if parts.netloc else ""


def _check_remote(name: str, options: Options, label: str) -> None:
    """What DVC's config schema refuses about a remote's URL and the options that shape it."""
    try:
        url = options.get("url")
        if not isinstance(url, str):
            raise ValueError("expected 'url'" if url is None else "url must be one value, not a list")
        scheme = scheme_of(url)
        if scheme and scheme not in SUPPORTED_SCHEMES and scheme not in PLUGIN_SCHEMES:
            raise ValueError(f"unsupported URL type {scheme}://")
        for key in ("version_aware", "worktree"):
            flag(options, key)
        if scheme == "ssh" and "port" in options:
            port(options["port"])
    except ValueError as problem:
        raise MalformedFileError(f"{label}: remote '{name}': {problem}") from None


def flag(options: Options, key: str) -> Optional[bool]:
    """A remote's true-or-false option, None if unset; anything else is a ValueError."""
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in ("true", "false"):
        raise ValueError(f"{key} must be true or false")
    return value.lower() == "true"


def port(value: Any) -> int:
    """A port number; anything else is a ValueError."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"port {value!r} is not a number") from None


def describe_remotes(config: Mapping[str, Any]) -> str:
    """The configured remotes, as error messages name them."""
    names = sorted(config.get("remote", {}))
    return f"remotes: {', '.join(names)}" if names else "no remote is configured"


def remote_settings(
    config: Dict[str, Any], name: str, commit: str, seen: Tuple[str, ...]
) -> Tuple[str, Options]:
    """(url, options) of remote ``name``, following ``remote://other/sub`` references."""
    options = config["remote"].get(name.lower())
    if options is None:
        raise ArtifactNotFoundError(
            f"no remote '{name}' in the DVC config at commit {commit}; {describe_remotes(config)}")
    url = options["url"]
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme != "remote":
        return url, options
    if name.lower() in seen:
        raise MalformedFileError(f"DVC config at commit {commit}: remote '{name}' refers to itself")
    base_url, base = remote_settings(config, parsed.netloc, commit, (*seen, name.lower()))
    url = base_url + "/" + parsed.path.lstrip("/")
    return url, {**base, **options, "url": url}
