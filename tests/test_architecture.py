"""The package's import structure (docs/ARCHITECTURE.md §1): no cycles, one way down, and each
part (core, sessions, shells, setup, localaws, the entry layer) importing only what it may.

Imports inside functions count too: a lazy import is still a dependency, and a cycle made of
lazy imports is still two modules that cannot be understood one without the other.
"""
import ast
import os

import awsshell_setup

PACKAGE_DIR = os.path.dirname(awsshell_setup.__file__)


def module_files():
    for folder, _, names in os.walk(PACKAGE_DIR):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, PACKAGE_DIR)[:-3].replace(os.sep, ".")
                module = "awsshell_setup" + ("" if relative == "__init__" else "." + relative.removesuffix(".__init__"))
                yield module, path


def imports_of(module, path, known):
    """The package modules `module` imports, wherever the import statement stands."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            # `from . import x` names modules; `from .x import y` names module x.
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            # A package's own parents are imported before it anyway: not a dependency.
            if name and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


def graph():
    files = dict(module_files())
    return {module: imports_of(module, path, files) for module, path in files.items()}


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return result


def test_the_package_has_no_import_cycle():
    found = cycles(graph())
    assert found == [], "import cycles (each line: modules that import each other):\n" + "\n".join(
        " <-> ".join(component) for component in found)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_product_never_imports_the_local_aws():
    leaks = sorted(f"{module} -> {target}" for module, targets in graph().items()
                   if not module.startswith("awsshell_setup.localaws")
                   for target in targets if target.startswith("awsshell_setup.localaws"))
    assert leaks == []


def test_only_sts_imports_botocore():
    users = []
    for module, path in module_files():
        if module.startswith("awsshell_setup.localaws"):
            continue
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        for node in ast.walk(tree):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(name.split(".")[0] in ("botocore", "boto3") for name in names):
                users.append(module)
    assert sorted(set(users)) == ["awsshell_setup.sessions.sts"]


# The seams (docs/ARCHITECTURE.md §1): which part of the package may import which. The entry
# layer (the console script, the click commands, env's cached path) may import every part.
ENTRY = {"awsshell_setup", "awsshell_setup.__main__", "awsshell_setup.cli", "awsshell_setup.fastpath"}
MAY_IMPORT = {
    "core": {"core"},                                   # nothing above it
    "sessions": {"sessions", "core"},                   # never the shell half
    "shells": {"shells", "core"},                       # never the credentials half, nor setup
    "setup": {"setup", "shells", "sessions", "core"},   # sessions: status shows the session's state
    "localaws": {"localaws"},                           # the local AWS stands apart from the product
}


# Imports that cross a boundary while it is being mended (none now).
MENDING = set()


def part_of(module):
    if module in ENTRY:
        return "entry"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


def crossings(edges):
    """`module -> target` for each import that leaves what its part may import."""
    return sorted(f"{module} -> {target}" for module, targets in edges.items() for target in targets
                  if part_of(module) in MAY_IMPORT and part_of(target) not in MAY_IMPORT[part_of(module)])


def test_every_module_belongs_to_one_part():
    assert sorted(module for module in graph() if part_of(module) is None) == []


def test_the_halves_keep_their_boundaries():
    assert [crossing for crossing in crossings(graph()) if crossing not in MENDING] == []


def test_the_boundary_check_sees_a_crossing():
    edges = {"awsshell_setup.sessions.a": {"awsshell_setup.shells.b", "awsshell_setup.core.c"},
             "awsshell_setup.core.c": {"awsshell_setup.setup.d"}, "awsshell_setup.cli": {"awsshell_setup.setup.d"},
             "awsshell_setup.setup.d": {"awsshell_setup.sessions.a", "awsshell_setup.shells.b"}}
    assert crossings(edges) == ["awsshell_setup.core.c -> awsshell_setup.setup.d",
                                "awsshell_setup.sessions.a -> awsshell_setup.shells.b"]
