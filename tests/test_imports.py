"""The import contract of ganlib (docs/architecture.md), read from the source with ast, nothing imported but in
one subprocess: each layer imports only its own and lower layers; streamlit stays in app.py and pages/; the
modules of the first page stay torch-free; and function-local imports are few, each saying why.

Besides import statements, a layer's dependencies include the modules it loads by name (a string naming a
ganlib module, as data/__init__.py's LOADERS table for importlib) and ganlib's lazy names (`import ganlib`,
then `ganlib.load_checkpoint`: ganlib/__init__.py's _EXPORTS says where each lives)."""
import ast
import io
import json
import pathlib
import subprocess
import sys
import tokenize

ROOT = pathlib.Path(__file__).resolve().parent.parent
GANLIB = ROOT / "ganlib"

# Lowest first: a module may import its own layer and those before it. The modules directly in ganlib/ are
# the base, below all (layer 0); ganlib/__init__.py and __main__.py stand apart (the package's lazy names
# and the command's entry point).
LAYERS = ("base", "engine", "lab", "metrics", "run", "explore", "words", "charts", "classroom", "cli")
SPECIAL = ("__init__.py", "__main__.py")

# What must import without torch (seconds to import on a small CPU): the first page paints before it loads
# (tests/test_first_paint.py), so every module app.py and the first page import stays torch-free, whatever it
# calls later; words/ and classroom/ promise it of themselves. torch comes with the first run, checkpoint or upload.
TORCH_FREE = [
    # the base
    "ganlib", "ganlib.errors", "ganlib.files", "ganlib.home", "ganlib.settings",
    # the form's fields, the presets and the metric kinds
    "ganlib.engine", "ganlib.engine.config", "ganlib.engine.kinds", "ganlib.engine.presets",
    # drawn points: their checks, before torch (the form checks a drawing as it is made)
    "ganlib.engine.drawn_points", "ganlib.charts.canvas", "ganlib.words.drawn_text",
    # what a critic's or a probability's output means (the Train page's words)
    "ganlib.lab", "ganlib.lab.meaning",
    # a run's states and records, as the pages read them
    "ganlib.run", "ganlib.run.heap", "ganlib.run.history", "ganlib.run.state",
    # every sentence
    "ganlib.words", "ganlib.words.alarms", "ganlib.words.describe", "ganlib.words.lab_text",
    # the Train page's charts
    "ganlib.charts", "ganlib.charts.look", "ganlib.charts.palette", "ganlib.charts.quality",
    "ganlib.charts.smooth", "ganlib.charts.training",
    # the server and its visitors (downloads and export, for a finished run, may bring torch)
    "ganlib.classroom", "ganlib.classroom.capacity", "ganlib.classroom.codes", "ganlib.classroom.controls",
    "ganlib.classroom.disk", "ganlib.words.watch_text",
    "ganlib.classroom.identity", "ganlib.classroom.lesson", "ganlib.classroom.library", "ganlib.classroom.owners",
    "ganlib.classroom.runs", "ganlib.classroom.share", "ganlib.classroom.shutdown", "ganlib.classroom.slots",
    "ganlib.classroom.spaces", "ganlib.classroom.uploads", "ganlib.classroom.visitor",
    # a class: its registry, its commands and snapshots, and its words (the class link opens on them)
    "ganlib.classroom.classes", "ganlib.classroom.class_view", "ganlib.words.class_text",
    # runs that train in the worker, as the server holds them (issue 24: a server with no torch of its own), their
    # snapshots, pictures and files, and the warm-up that starts the worker
    "ganlib.run.hosts", "ganlib.run.on_worker", "ganlib.run.proxy", "ganlib.run.mailbox", "ganlib.run.messages",
    "ganlib.run.wire", "ganlib.run.snapshot", "ganlib.run.machine", "ganlib.run.board", "ganlib.engine.grid",
    "ganlib.classroom.downloads", "ganlib.classroom.export", "ganlib.classroom.warm",
]
HEAVY = ("torch", "torchvision")

MAX_LOCAL_IMPORTS = 10   # in all of ganlib: imports belong at the top, a few lazy ones say why they are not


def _files() -> list[pathlib.Path]:
    return sorted(GANLIB.rglob("*.py"))


def _name(path: pathlib.Path) -> str:
    """ganlib/classroom/runs.py -> ganlib.classroom.runs; a package's __init__.py is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p) for p in _files()}
# ganlib's lazy names (`ganlib.Runner`): name -> the module that defines it, as ganlib/__init__.py maps them
EXPORTS = next((ast.literal_eval(node.value) for node in ast.parse((GANLIB / "__init__.py").read_text()).body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_EXPORTS"), {})


def _layer(module: str) -> int:
    """The layer of a ganlib module by its dotted name: its package's, or the base's for ganlib.X directly."""
    package = module.split(".")[1:2]
    return LAYERS.index(package[0]) if package and package[0] in LAYERS else 0


def _relative(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes, so that a module named in prose is no dependency."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _ganlib_deps(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, ganlib module) for each ganlib module this tree imports, loads by name or reaches by a lazy name."""
    deps, docs = [], _docstrings(tree)
    plain_ganlib = any(isinstance(n, ast.Import) and any(a.name == "ganlib" and not a.asname for a in n.names)
                       for n in ast.walk(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            deps += [(node.lineno, a.name) for a in node.names if a.name.startswith("ganlib.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "ganlib":
            for a in node.names:   # `from ganlib.lab import density`: the module ganlib.lab.density
                sub = f"{node.module}.{a.name}"
                deps.append((node.lineno, sub if sub in MODULES else node.module))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                and node.value in MODULES and node.value != "ganlib":
            deps.append((node.lineno, node.value))
        elif plain_ganlib and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "ganlib" and node.attr in EXPORTS:
            deps.append((node.lineno, f"ganlib.{EXPORTS[node.attr]}"))
    return deps


def _layer_violations() -> list[str]:
    found = []
    for path in _files():
        if path.parent == GANLIB and path.name in SPECIAL:
            continue
        own = _layer(_name(path))
        for line, dep in _ganlib_deps(ast.parse(path.read_text())):
            if _layer(dep) > own:
                found.append(f"{_relative(path)}:{line} imports {dep} (layer {LAYERS[_layer(dep)]} > {LAYERS[own]})")
    return sorted(set(found))


def test_each_layer_imports_only_its_own_and_lower_layers():
    assert _layer("ganlib.errors") == 0 and _layer("ganlib.classroom") == _layer("ganlib.classroom.runs") == 8
    found = _layer_violations()
    assert not found, "\n".join(found)


def test_streamlit_is_only_imported_by_the_app():
    """The app (app.py, pages/) is a thin layer over ganlib, which never imports streamlit: its command line,
    its tests and any other program use it without a server."""
    found = []
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{_relative(path)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert not found, "\n".join(found)


PROBE = """
import json, sys, traceback

heavy, modules = json.loads(sys.argv[1])


class Refuse:
    # torch refused and the line that asked for it noted: a module that copes without torch still asked
    asked = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in heavy:
            lines = [f"{f.filename}:{f.lineno}" for f in traceback.extract_stack() if "/ganlib/" in f.filename]
            self.asked.append(lines[-1] if lines else "?")
            raise ImportError(f"{name} refused: this module must import without it")
        return None


sys.meta_path.insert(0, Refuse())
problems = {}
for module in modules:
    Refuse.asked.clear()
    try:
        __import__(module)
    except Exception as e:
        problems[module] = f"{type(e).__name__}: {e}"
    if Refuse.asked:
        problems[module] = "torch asked for by " + ", ".join(dict.fromkeys(Refuse.asked))
print(json.dumps(problems))
"""


def test_the_first_pages_modules_import_without_torch():
    """All of TORCH_FREE in one fresh interpreter, torch refused: each module that asks for it is named, with
    the line that asked (a module whose import failed is tried again by the next that needs it)."""
    assert all(m in MODULES for m in TORCH_FREE), sorted(set(TORCH_FREE) - MODULES)
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps([HEAVY, TORCH_FREE])], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    problems = json.loads(out.stdout.strip().splitlines()[-1])
    assert not problems, "\n".join(f"{m}: {why}".replace(str(ROOT) + "/", "") for m, why in problems.items())


def _local_imports(path: pathlib.Path) -> list[tuple[int, int, bool]]:
    """(first line, last line, has a comment on a line of it or the line above) of each import inside a function."""
    text = path.read_text()
    comments = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type == tokenize.COMMENT}
    tree = ast.parse(text)
    local = {id(node): node for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(f) if isinstance(node, (ast.Import, ast.ImportFrom))}   # nested once
    return sorted((n.lineno, n.end_lineno, bool(comments & set(range(n.lineno - 1, n.end_lineno + 1))))
                  for n in local.values())


def test_function_local_imports_are_few_and_say_why():
    """An import inside a function hides a dependency and costs its first call: each says why on its line or
    the line above (torch kept off the first page, an optional package), and all ganlib has is a handful."""
    found = {_relative(p): imports for p in _files() if (imports := _local_imports(p))}
    silent = [f"{path}:{first} has no comment saying why it is not at the top"
              for path, imports in found.items() for first, _, said in imports if not said]
    total = sum(len(imports) for imports in found.values())
    counts = ", ".join(f"{path} {len(imports)}" for path, imports in found.items())
    assert not silent, "\n".join(silent)
    assert total <= MAX_LOCAL_IMPORTS, f"{total} function-local imports (at most {MAX_LOCAL_IMPORTS}): {counts}"


def test_page_helpers_never_take_a_pages_address():
    """Streamlit finds every file in pages/ and takes its address from the name without leading underscores:
    a helper pages/_explore.py beside pages/explore.py stopped the whole app ("Two pages resolve to the URL
    pathname /explore")."""
    names = [p.stem.lstrip("_") for p in (ROOT / "pages").glob("*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
