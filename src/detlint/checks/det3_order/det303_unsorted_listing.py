from __future__ import annotations

import re

import libcst as cst

from detlint.catalogs.entries import Entry
from detlint.checks.base import Rule
from detlint.checks.det3_order._flows import Role, Source, Use
from detlint.checks.det3_order._ordered_use import OrderedUseVisitor, ScopeWalker, annotation_names, split_reason
from detlint.finding import Confidence, Severity

_PATH = "path"
_ARCHIVE = "archive"
_WILDCARDS = re.compile(r"[*?[]")


class UnsortedListing(OrderedUseVisitor, Rule):
    """
    ## What it does
    Checks for directory listings whose order is used without sorting. The listings are `os.listdir`,
    `os.scandir`, `os.walk`, `glob.glob`/`iglob`, `Path.iterdir`/`glob`/`rglob`/`walk` and
    `tf.io.gfile.listdir`/`walk`; their order is used when the result is returned, stored, indexed,
    numbered, zipped, shuffled, passed to a function or class, or iterated by a loop that collects,
    yields or writes items or stops early after collecting some.

    ## Why is this bad?
    These functions return entries in the order the file system hands them out, which the Python
    documentation calls arbitrary. It differs between file systems (ext4, XFS, NFS, APFS, a Docker
    overlay), between machines, and after files are copied or restored. A dataset built from such a
    listing is shuffled differently, split differently and matched to labels differently on every
    machine, even with every seed fixed; `files[i]` of a listing kept in a name reads whichever
    file happens to come i-th.

    Sorting later in the same function (`files.sort()`, `files = sorted(files)`, also of an attribute
    such as `self.files`) is recognised, as are order-free uses: `len(...)`, membership and emptiness
    tests, `set(...)`, `any`/`all`/`min`/`max`/`sum`, messages (`print`, logging, exceptions, a
    logger's methods such as `wandb_logger.log(...)` on a receiver named like a logger, an
    experiment tracker's record of named values, `run.log({...})`, whatever the receiver is called), a
    name checked to hold one item (`assert len(files) == 1`, `if len(files) == 1: files[0]`), an
    equality filter (`[f for f in os.listdir(d) if f == name]`), a pattern without wildcards
    (`glob.glob("config.yaml")`), a dict keyed by each item (also entries each item adds to,
    `results[split] += [row]`), loops that only assert, delete, copy, move, count or print files or
    write each file's own output, loops whose `enumerate` index is only printed, logged or shown on a
    progress bar (`bar.update(i)`), loops that never read their item (`for _ in loader: pass`), and
    loops that look for one item by name (`if entry.name == wanted:`). A listing passed to a
    function defined in the same file is followed into that function, and one that a function
    returns or yields is followed to the places in the file that call it: `return
    sorted(list_images(root))` there needs no sorting inside `list_images`. A method that a base
    class of the file calls on `self` (a template method's step, `ids = self.get_identifiers(folder)`)
    is judged where the base class uses what it returns, and `self.<name>(...)` in a derived class
    runs the definition it inherits. When nothing in the file calls or names the function, or only a
    wrapper that returns its result and is not named itself (`yield from
    self.backend.list_dir(...)`), the finding is low: whether the order matters is up to its callers
    elsewhere. A boolean mask (`names[names != "README.md"]`) or a column taken by name
    (`frame["label"]`) keeps the order without using it. A table read from the listing, made from
    rows in its order or concatenated in it (`pl.read_parquet(files)`, `pd.DataFrame(rows)`,
    `pd.concat(frames)`) keeps it through its methods until it is sorted (`.sort(...)`,
    `.sort_values(...)`) or aggregated (`.mean()`, `group_by(...).len()`), and uses it when rows are
    taken by position (`.head()`, `.iloc[:800]`), written out (`.to_csv(...)`) or handed on. Lists that
    a loop fills under the keys of a dict the function made (`by_label[label].append(path)`, keyed by
    something other than the item) are followed where the dict is read: a value read by key
    (`by_label[label]`, `.get(label)`), `.values()` and the values of `.items()` hold the items in
    listing order, and so do the keys unless a display named them first (`{"train": [], "val": []}`).
    Sorting the pairs (`sorted(groups.items())`) leaves each value in that order; reading the dict as
    its keys (`list(groups)`, `enumerate(groups)`) leaves the values behind. Storing each key's value
    again in no arbitrary order on every pass (`for key in groups: groups[key] = sorted(groups[key])`
    or `groups[key].sort()`, before any branch or `continue`) removes it. Directories joined into a search-path variable
    (`os.environ["LD_LIBRARY_PATH"] = ":".join(dirs)`: `search_paths` in `rules/ordering.yaml`) only
    decide which of two files of the same name is found first. For `os.walk`,
    sorting the directory list in place (`dirnames.sort()`, top-down only) fixes the visiting order
    and `sorted(filenames)` the file order; a loop that reads only the first directory (ends with `break` or `return`) needs neither.
    Paths inside a zip archive (`zipfile.Path`) and a package's resources
    (`importlib.resources.files`) are not the file system: their listings are not reported. Lists
    filled item by item in one loop over a listing (`files` and `labels`) are zipped without harm:
    the pairs still match, and what is done with them decides. A listing given to a Dataset class of
    the same file, to a MONAI dataset (`CacheDataset(data=files)`) or to a `DataLoader` (PyTorch's or
    MONAI's), is used where the dataset or loader is read (iterated, handed
    on, kept for other code), with the reason the class's methods give (`__getitem__` indexes it); one
    built and never read uses no order. A container a loop body makes empty before every use
    (`by_file = {}` or `defaultdict(list)` at the top of the body, or under a branch that holds all
    its uses when the function uses the name nowhere outside the loop) holds that item's data only. The files a distribution installs
    (`setup(package_data={...}, scripts=...)`) are each copied to their own path. A viewer loop that
    the person watching stops (`if cv2.waitKey(0) == 27: break`; `user_inputs` in the catalog)
    computes nothing from which files came first. A listing kept at the top level of a notebook or
    of a script's `if __name__ == "__main__":` block that no function of the file reads (a function's
    own parameter or local of that name is not the global), or on an object the function makes and
    never uses whole (`args.input = glob.glob(...)` with `args` only read through its attributes, put
    in a message, or handed to a function of the file that only reads its other attributes), is read
    by nothing after that code ends.

    In tests (`test_*.py`, `*_test.py`, `conftest.py`, modules in a `test/` or `tests/` directory, and
    `test*` functions and `Test*` classes anywhere) and in the repository's tooling (hidden directories
    such as `.github/`) only an order-sensitive comparison is reported: `assertEqual`, `assertListEqual`,
    `numpy.testing.assert_array_equal` and the like, or `==`, against a list or tuple written out with
    two items or more (against an empty or one-item literal, a set or another listing the order
    decides nothing). Order-free assertions (`assertCountEqual`, `assertIn`, `assertTrue`, ...) are
    not. The finding's related location is where the order is used.

    Confidence: high when the listing call is resolved through the file's imports; medium when
    `.glob()`/`.rglob()`/`.iterdir()` is called on a receiver not known to be a `pathlib` path (in a
    file that imports `pathlib`), when a listing is kept in a module-level name, and when a dict built
    in listing order is iterated, and when a same-file helper passes the listing on to a function
    that cannot be read. Uses whose dependence on the order is a guess are not reported, at any
    confidence: measured on public repositories they were almost never hazards. They are the first
    item taken with `next(...)` or by a loop that returns (or keeps and breaks at) the first item
    passing a test of that item alone (`if f.endswith(".ckpt"): return f`, the same search; a test of
    what earlier items added up to, `total += size`, and work done on each item before the match, an
    upload or a copy, are reported), an item at a position written out (`glob.glob(d + "/*.txt")[0]`,
    `roses[1]`: mostly the idiom for the one file of its kind, or one example opened to show it; a
    position from the end, `checkpoints[-1]`, is reported),
    `(only,) = matches`, a loop over a listing that
    calls functions (made for their effect) whose order-sensitivity cannot be told, a use only on a
    path the code does not take by default (`if sort: pairs = sorted(pairs)` with `sort=True`), an
    external command (`subprocess.run(["zip", ..., *files])`: `zip` treats its files as a set, other
    programs may not), and a shuffle or sample from a generator nothing in the file seeds (the result
    is random until it is, which DET101 reports).

    ## Example
    ```python
    import os

    def load(root):
        images = []
        for name in os.listdir(root):
            images.append(os.path.join(root, name))
        return images
    ```

    ## Use instead
    ```python
    import os

    def load(root):
        images = []
        for name in sorted(os.listdir(root)):
            images.append(os.path.join(root, name))
        return images
    ```

    ## References
    - [Python: os.listdir ("The list is in arbitrary order")](https://docs.python.org/3/library/os.html#os.listdir)
    - [Python: os.walk (modify dirnames in place to impose an order)](https://docs.python.org/3/library/os.html#os.walk)
    - [Python: glob](https://docs.python.org/3/library/glob.html)
    - [Python: pathlib.Path.iterdir](https://docs.python.org/3/library/pathlib.html#pathlib.Path.iterdir)
    """

    fix = "safe"
    code = "DET303"
    name = "unsorted-listing"
    severity = Severity.WARNING
    frameworks = frozenset({"os", "glob", "pathlib", "tensorflow", "posix", "nt"})

    VALID = (
        "import os\nfiles = sorted(os.listdir('data'))\nfor f in files:\n    print(f)\n",
        "import os\ndef f(d):\n    return sorted(os.listdir(d))\n",
        "import os\ndef f(d):\n    files = os.listdir(d)\n    files.sort()\n    return files\n",
        "import os\ndef f(d):\n    files = os.listdir(d)\n    files = sorted(files)\n    return [os.path.join(d, x) for x in files]\n",
        "import os\ndef f(d):\n    return len(os.listdir(d))\n",
        "import glob, os\nlibs = glob.glob('/opt/nvidia/*/lib')\nos.environ['LD_LIBRARY_PATH'] = ':'.join(libs)\n",
        "import glob, os\nlibs = glob.glob('/opt/nvidia/*/lib')\nos.environ['PATH'] += os.pathsep + os.pathsep.join(libs)\n",
        "import os\ndef f(d, name):\n    return name in os.listdir(d)\n",
        "import os\ndef empty(d):\n    return not os.listdir(d)\n",
        "import os\ndef f(d):\n    names = set(os.listdir(d))\n    return names\n",
        "import os\ndef clean(d):\n    for f in os.listdir(d):\n        os.remove(os.path.join(d, f))\n",
        "import os, shutil\ndef copy(src, dst):\n    for f in os.listdir(src):\n        shutil.copy(os.path.join(src, f), dst)\n",
        "import os\ndef count(d):\n    n = 0\n    for f in os.listdir(d):\n        if f.endswith('.png'):\n            n += 1\n    return n\n",
        "import os\ndef f(d):\n    return any(f.endswith('.lock') for f in os.listdir(d))\n",
        "import os\ndef f(d):\n    for f in os.listdir(d):\n        if f.endswith('.lock'):\n            return True\n    return False\n",
        # The first item passing a test, as `next(f for f in os.listdir(d) if ...)` finds it: a guess.
        # An object made here, handed to a helper that reads only its other attributes.
        "import argparse, glob\ndef setup(args):\n    return {'t': args.threshold}\ndef main():\n"
        "    args = argparse.ArgumentParser().parse_args()\n    cfg = setup(args)\n"
        "    args.input = glob.glob(args.pattern)\n    for path in args.input:\n        print(path, cfg)\n",
        # A container made afresh under a branch that holds all its uses.
        "import glob\ndef f(pattern):\n    for log in glob.glob(pattern):\n        lines = open(log).read().split()\n"
        "        if lines:\n            by_word = {}\n            for word in lines:\n                by_word[word] = log\n"
        "            print(by_word)\n",
        "import os\ndef find(d):\n    for f in os.listdir(d):\n        if f.startswith('libnccl.so'):\n            return os.path.join(d, f)\n",
        "import glob\nfiles = sorted(glob.glob('data/*.png'))\ndataset = Dataset(files)\n",
        "import glob as g\nfor path in sorted(g.iglob('**/*.txt', recursive=True)):\n    print(path)\n",
        "from pathlib import Path\nimages = sorted(Path('data').glob('*.png'))\nprint(images[0])\n",
        "from pathlib import Path\ndef f(root: Path):\n    return sorted(p.name for p in root.iterdir())\n",
        "import os\ndef f(d):\n    entries = sorted(os.scandir(d), key=lambda e: e.name)\n    return [e.path for e in entries]\n",
        # os.walk with the directory list sorted in place and the files iterated sorted.
        "import os\ndef f(top):\n    out = []\n    for root, dirs, files in os.walk(top):\n        dirs.sort()\n"
        "        for name in sorted(files):\n            out.append(os.path.join(root, name))\n    return out\n",
        "import os\ndef f(top):\n    out = []\n    for root, dirs, files in os.walk(top):\n"
        "        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))\n"
        "        out.extend(os.path.join(root, n) for n in sorted(files))\n    return out\n",
        # Collected in loop order but sorted before use.
        "import os\ndef f(top):\n    out = []\n    for root, _, files in os.walk(top):\n        for name in files:\n"
        "            out.append(os.path.join(root, name))\n    out.sort()\n    return out\n",
        "import os\ndef f(d):\n    print('found', os.listdir(d))\n",
        "import os\ndef f(d):\n    if not os.listdir(d):\n        raise ValueError(f'empty: {os.listdir(d)}')\n",
        "import os\ndef f(d):\n    return {name: os.path.getsize(name) for name in os.listdir(d)}['a']\n",
        "import os\nclass Files:\n    def __init__(self, d):\n        self.files = sorted(os.listdir(d))\n",
        "import os\ndef newest(d):\n    return max(os.listdir(d), key=os.path.getmtime)\n",
        "import os\nroot, dirs, files = next(os.walk('.'))\nfiles.sort()\nprint(files[0])\n",
        "import os\nfor root, dirs, files in os.walk('.'):\n    print(sorted(files))\n    break\n",
        "import glob\nfor i, path in enumerate(glob.glob('*.txt')):\n    print(i, path)\n",
        "import os\ndef f():\n    for root, dirs, files in os.walk('.'):\n"
        "        for i, d in reversed(list(enumerate(dirs))):\n            if d.startswith('.'):\n"
        "                del dirs[i]\n        dirs.sort()\n        for f in sorted(files):\n"
        "            yield os.path.join(root, f)\n",
        "p.glob('*')\nfor f in q.iterdir():\n    data.append(f)\n",
        # Tests: order-free assertions, comparisons with an empty or one-item literal, and what a test
        # does with the order besides comparing it.
        "import os, unittest\nclass T(unittest.TestCase):\n    def test_empty(self):\n"
        "        self.assertEqual(os.listdir('out'), [])\n        self.assertEqual(os.listdir('one'), ['a.txt'])\n",
        "import glob, os, unittest\nclass T(unittest.TestCase):\n    def test_found(self):\n"
        "        self.assertCountEqual(glob.glob('*.txt'), ['a.txt', 'b.txt'])\n"
        "        self.assertIn('a.txt', os.listdir('.'))\n"
        "        self.assertFalse([f for f in os.listdir('.') if f.endswith('~')])\n",
        "import glob, os\ndef test_relative():\n    for path in glob.glob('*'):\n        assert not os.path.isabs(path)\n",
        "import os\ndef test_one_file(tmp_path):\n    assert os.listdir(tmp_path)[0] == 'a'\n    assert os.listdir(tmp_path) == ['a']\n",
        "import glob\ndef same(a, b):\n    return set(a) == set(b)\ndef check(expected):\n"
        "    return same(glob.glob('*.txt'), expected)\n",
        # Sorted by a helper, or used only by order-free consumers.
        "import os\ndef ordered(names):\n    return sorted(names)\ndef f(d):\n    files = ordered(os.listdir(d))\n"
        "    return files[0]\n",
        "import collections, os\ndef f(d):\n    names = os.listdir(d)\n    kinds = collections.Counter(n.rsplit('.')[-1] for n in names)\n"
        "    return kinds, all(n.isascii() for n in names), max(names), set(dict.fromkeys(names))\n",
        # The sources of a compiled extension, also through a local name for the class.
        "import glob\nfrom torch.utils.cpp_extension import CppExtension, CUDAExtension\ndef extensions(cuda):\n"
        "    sources = glob.glob('src/*.cpp')\n    extension = CppExtension\n"
        "    if cuda:\n        extension = CUDAExtension\n    return [extension('ops', sources)]\n",
        # Handed to a function that treats it as a set.
        "import os\ndef ignored(src, names):\n    return {n for n in names if n.startswith('.')}\n"
        "def f(d):\n    return ignored(d, os.listdir(d))\n",
        # Loops whose body acts on each item alone: asserts, per-file outputs, a dict keyed by the item.
        "import os\ndef check(d):\n    for name in os.listdir(d):\n        assert name.isascii()\n",
        "import json\nfrom pathlib import Path\ndef convert(src: Path):\n    for po in src.glob('*.po'):\n"
        "        with open(po.with_suffix('.json'), 'w') as fh:\n            fh.write(json.dumps(po.read_text()))\n",
        "import os\ndef sizes(d):\n    out = {}\n    for name in os.listdir(d):\n"
        "        out[name] = os.path.getsize(name)\n    return out\n",
        # At most one item: a pattern without wildcards, an equality filter, a length check.
        "import glob\ndef config():\n    return next(glob.iglob('config.yaml'), None)\n",
        # Guessed uses: the first item straight from the call (mostly the one file of its kind), the
        # unsorted path off the default, another program's command line, an unseeded shuffle.
        "import os\ndef f(d):\n    return os.listdir(d)[0]\n",
        "import pathlib\nimport PIL.Image\nroses = list(pathlib.Path('flowers').glob('roses/*'))\n"
        "PIL.Image.open(str(roses[0]))\nPIL.Image.open(str(roses[1]))\n",
        "from pathlib import Path\ndef exported(w):\n    return next(Path(w).glob('*.xml'))\n",
        "import os\ndef find(folder, sort=True):\n    files, labels = [], []\n"
        "    for root, _, names in os.walk(folder):\n        for name in names:\n"
        "            files.append(os.path.join(root, name))\n            labels.append(os.path.basename(root))\n"
        "    pairs = zip(files, labels)\n    if sort:\n        pairs = sorted(pairs)\n    return pairs\n",
        "import glob, subprocess\nsubprocess.run(['zip', 'study.zip', *glob.glob('study_*.txt')])\n",
        "import glob, random\npaths = glob.glob('images/*.jpg')\nrandom.shuffle(paths)\nsample = paths[:10]\n",
        "from pathlib import Path\ndef f(root: Path):\n    return next(root.glob('model.json'))\n",
        "import os\ndef f(d, name):\n    hits = [f for f in os.listdir(d) if f == name]\n    return hits[0] if hits else None\n",
        "import glob\ndef f(d):\n    found = glob.glob(d + '/*.npz')\n    if len(found) == 1:\n"
        "        return found[0]\n    raise ValueError(f'expected one file in {d}')\n",
        # Kept in an attribute that the class's other methods read only for membership and size.
        "import os\nclass Cache:\n    def __init__(self, d):\n        self.names = os.listdir(d)\n"
        "    def __contains__(self, name):\n        return name in self.names\n"
        "    def __len__(self):\n        return len(self.names)\n",
        # Not the file system: a zip archive's members, a package's resources.
        "import pathlib, zipfile\ndef members(archive):\n    root = zipfile.Path(archive)\n"
        "    first, second = root.iterdir()\n    return [p.name for p in root.iterdir()]\n",
        "import pathlib\nfrom importlib import resources\ndef templates():\n"
        "    return [p.name for p in resources.files('pkg').iterdir()]\n",
        # Lists filled item by item in one loop pair up in any order; the pairs are sorted before use.
        "import os\ndef find(folder):\n    files, labels = [], []\n    for root, _, names in os.walk(folder):\n"
        "        for name in names:\n            files.append(os.path.join(root, name))\n"
        "            labels.append(os.path.basename(root))\n    return sorted(zip(files, labels))\n",
        # The index `enumerate` gives is only logged, inside a `with` block.
        "import glob, logging, tarfile\nlog = logging.getLogger(__name__)\ncounts = {}\n"
        "for i, fn in enumerate(glob.glob('*.tar')):\n    with tarfile.open(fn) as tf:\n"
        "        counts[fn] = len(tf.getmembers())\n        log.debug(f'{i}: {fn}')\n",
        # A table read from the listing and sorted, or only aggregated, before its rows are used.
        "import polars as pl\ndef load(base):\n    files = list(base.glob('*.parquet'))\n"
        "    data = pl.read_parquet(files).filter(pl.col('x') > 0)\n    return data.sort(['symbol', 'timestamp'])\n",
        "import glob\nimport pandas as pd\ndef stats(root):\n"
        "    frame = pd.concat([pd.read_csv(f) for f in glob.glob(root + '/*.csv')])\n    return frame[['a', 'b']].mean()\n",
        # The files a distribution installs, each copied to its own path.
        "import glob\nfrom setuptools import setup\ndef configs():\n    return glob.glob('configs/**/*.yaml', recursive=True)\n"
        "setup(name='pkg', package_data={'pkg.zoo': configs()}, scripts=glob.glob('bin/*'))\n",
        # A container made afresh for each listed file holds that file's data only.
        "import glob, json\nfor log in glob.glob('*.log'):\n    by_file = {}\n    for line in open(log):\n"
        "        record = json.loads(line)\n        by_file[record['file']] += [record['test']]\n    print(log, by_file)\n",
        # A Dataset of the file, and a loader over it, that nothing iterates.
        "import glob\nfrom torch.utils.data import DataLoader, Dataset\nclass Images(Dataset):\n"
        "    def __init__(self, paths):\n        self.paths = paths\n    def __getitem__(self, i):\n"
        "        return self.paths[i]\ndef main():\n    unused = DataLoader(Images(glob.glob('test/*.png')))\n",
        # Each item adds to an entry of its own (`results[split] += ...`); the entries are then written
        # one by one, each to its own file.
        "import os\ndef agg(d, names):\n    results = {'train': [], 'val': []}\n    for split in os.listdir(d):\n"
        "        results[split] += [load(os.path.join(d, split))]\n    for key in results:\n"
        "        results[key] = frame(results[key], ascending=[True] * len(names))\n        results[key].to_csv(key)\n",
        # A list that a base class of the file sorts, made by the override it calls.
        "import os\nclass Base:\n    def __init__(self, folder):\n        ids = self.identifiers(folder)\n"
        "        ids.sort()\n        self.ids = ids\n    def identifiers(self, folder):\n        raise NotImplementedError\n"
        "class Npz(Base):\n    def identifiers(self, folder):\n        return [f[:-4] for f in os.listdir(folder)]\n",
        # The index only moves a progress bar.
        "import os\ndef convert(d, out, bar):\n    for index, name in enumerate(os.listdir(d)):\n        bar.update(index)\n"
        "        resample(os.path.join(d, name), os.path.join(out, name))\n",
        # A tracker's record of named values, and a loop that never reads its item.
        "import glob\ndef show(run):\n    run.log({'labels': [str(p) for p in glob.glob('*labels*.jpg')]})\n",
        "import glob\nfrom torch.utils.data import DataLoader, Dataset\nclass Volumes(Dataset):\n"
        "    def __init__(self, paths):\n        self.paths = paths\n    def __getitem__(self, i):\n"
        "        return self.paths[i]\ndef bench():\n    for _ in DataLoader(Volumes(glob.glob('*.nii'))):\n        pass\n",
        # Lists grouped under keys, each sorted, and the groups sorted by key.
        "import glob\nfrom collections import defaultdict\ndef cores():\n    siblings = defaultdict(list)\n"
        "    for cpu in glob.glob('/sys/devices/system/cpu/cpu[0-9]*'):\n        siblings[core_of(cpu)] += [cpu]\n"
        "    return sorted((core, sorted(cpus)) for core, cpus in siblings.items())\n",
        # Rows grouped under fixed keys, then sorted before each group is written out.
        "import os\nimport pandas as pd\ndef collect(d):\n    rows = {'train': [], 'val': []}\n"
        "    for run in os.listdir(d):\n        rows[split_of(run)].append(read(run))\n    for key in rows:\n"
        "        rows[key] = pd.DataFrame(rows[key]).sort_values('run')\n        rows[key].to_csv(key + '.csv')\n",
        # A viewer that the person watching stops ("press Esc to quit").
        "import glob, cv2\nfor path in glob.glob('images/*.jpg'):\n    cv2.imshow('view', cv2.imread(path))\n"
        "    if cv2.waitKey(0) == 27:\n        break\n",
        # The repository's tooling: a CI script's order decides no result.
        {
            ".github/assistant.py": "import glob\nREQUIREMENTS = glob.glob('requirements/*.txt')\n"
            "def changed(files):\n    return [f for f in REQUIREMENTS if f in files]\n"
        },
    )
    INVALID = (
        "import os\ndef load(d):\n    out = []\n    for f in os.listdir(d):  # DET303\n        out.append(f)\n    return out\n",
        # Files grouped by label in listing order, then the first ten of each group kept for training.
        "import glob\nfrom collections import defaultdict\ndef split(root):\n    by_label = defaultdict(list)\n"
        "    for path in glob.glob(root + '/*/*.png'):  # DET303\n        by_label[label_of(path)].append(path)\n"
        "    train = []\n    for label, files in by_label.items():\n        train += files[:10]\n    return train\n",
        # Rows in listing order written out as a table.
        "import os\nimport pandas as pd\ndef index(d, out):\n    rows = []\n    for name in os.listdir(d):  # DET303\n"
        "        rows.append({'file': name})\n    pd.DataFrame(rows).to_csv(out)\n",
        # The override a base class of the file calls makes the list its `__getitem__` reads.
        "import os\nclass Base:\n    def __init__(self, root):\n        self.files = self.list_files(root)\n"
        "    def __getitem__(self, i):\n        return self.files[i]\nclass Png(Base):\n"
        "    def list_files(self, root):\n        return os.listdir(root)  # DET303\n",
        # Numbers counted in loop order: a label id from the size of what the loop fills.
        "import os\ndef ids(d):\n    seen = []\n    index = {}\n    for name in os.listdir(d):  # DET303\n"
        "        seen.append(name)\n        index[name] = len(seen)\n    return index\n",
        "import os\ndef f(d):\n    return os.listdir(d)  # DET303\n",
        "import glob, os\nshards = glob.glob('data/*.csv')  # DET303\nos.environ['TRAIN_SHARDS'] = ','.join(shards)\n",
        "from os import listdir\ndef f(d):\n    files = listdir(d)  # DET303\n    return Dataset(files)\n",
        "import os\ndef f(d):\n    return {n: i for i, n in enumerate(os.listdir(d))}  # DET303\n",
        "import glob\nfiles = glob.glob('data/*.png')  # DET303\nlabels = load_labels()\npairs = list(zip(files, labels))\n",
        "import glob as g\nids = {}\nfor i, path in enumerate(g.iglob('*.txt')):  # DET303\n    ids[path] = i\n",
        "from glob import glob\nimport random\nrandom.seed(0)\nfiles = glob('*.jpg')  # DET303\nrandom.shuffle(files)\n",
        "from pathlib import Path\ndef f(root: Path):\n    return [p for p in root.rglob('*.wav')]  # DET303\n",
        "import pathlib\nimages = list(pathlib.Path('data').iterdir())  # DET303\ntrain = images[:800]\n",
        "import pathlib\ndef f(p):\n    return list(p.glob('*.png'))  # DET303\n",
        "import os\ndef f(d):\n    with os.scandir(d) as it:  # DET303\n        for entry in it:\n            yield entry.path\n",
        "import os\ndef f(top):\n    out = []\n    for root, dirs, files in os.walk(top):  # DET303\n"
        "        for name in sorted(files):\n            out.append(os.path.join(root, name))\n    return out\n",
        "import os\ndef f(top):\n    out = []\n    for root, dirs, files in os.walk(top):  # DET303\n        dirs.sort()\n"
        "        for name in files:\n            out.append(os.path.join(root, name))\n    return out\n",
        "import os\ndef f(top):\n    return [os.path.join(r, n) for r, _, fs in os.walk(top) for n in fs]  # DET303\n",
        "import os\n_, _, files = next(os.walk('.'))  # DET303\nfirst = files[:10]\n",
        "import os\ndef first_n(d, n):\n    out = []\n    for f in os.listdir(d):  # DET303\n        out.append(f)\n"
        "        if len(out) == n:\n            break\n    return [os.path.join(d, f) for f in out]\n",
        "import os\ndef f(d, i):\n    files = os.listdir(d)  # DET303\n    n = len(files)\n    chosen = files[i]\n    files.sort()\n    return chosen\n",
        "import glob\nimport torch\ncheckpoints = glob.glob('runs/ckpt-*.pt')  # DET303\nstate = torch.load(checkpoints[-1])\n",
        "import os\nclass Data:\n    def __init__(self, d):\n        self.files = os.listdir(d)  # DET303\n",
        "import os\ndef f(d, out):\n    with open(out, 'w') as fh:\n        for name in os.listdir(d):  # DET303\n            fh.write(name + '\\n')\n",
        # A table read in listing order and split by position.
        "import glob\nimport pandas as pd\ndef split(root):\n"
        "    frame = pd.concat([pd.read_csv(f) for f in glob.glob(root + '/*.csv')])  # DET303\n"
        "    return frame.iloc[:800], frame.iloc[800:]\n",
        # The real hazards: a glob feeding a Dataset, a listing split into train and test.
        "import glob\nfrom torch.utils.data import Dataset\nclass Images(Dataset):\n    def __init__(self, root):\n"
        "        self.paths = glob.glob(root + '/*.png')  # DET303\n    def __getitem__(self, i):\n"
        "        return self.paths[i]\n",
        "import os\ndef split(d):\n    files = os.listdir(d)  # DET303\n    n = int(0.8 * len(files))\n"
        "    return files[:n], files[n:]\n",
        "import glob\ndef f(d):\n    found = glob.glob(d + '/*.npz')  # DET303\n    if len(found) == 1:\n"
        "        return found[0]\n    return [load(f) for f in found]\n",
        # Tests: a verdict that depends on the order.
        "import os, unittest\nclass T(unittest.TestCase):\n    def test_names(self):\n"
        "        self.assertEqual(os.listdir('d'), ['a', 'b'])  # DET303\n",
        "import glob\ndef test_found():\n    assert glob.glob('*.txt') == ['a.txt', 'b.txt']  # DET303\n",
    )

    # -- hooks --------------------------------------------------------------------------------------
    def order_call_source(self, walker: ScopeWalker, call: cst.Call) -> Source | None:
        func = call.func
        imports = self.context.imports
        qualified = walker.callee(func)
        entry = walker.index.listing_callables.get(qualified) if qualified else None
        if entry is not None and _names_one_path(entry, call):
            return None
        if entry is not None:
            label = "tf." + qualified[len("tensorflow.") :] if qualified.startswith("tensorflow.") else qualified
            return self._source(walker, call, entry, f"`{label}(...)`", self.resolution_confidence(func), None)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        entry = walker.index.listing_methods.get(method)
        if entry is None or (imports.resolve(func) is not None and not imports.resolved_through_star(func)):
            return None  # e.g. tf.io.gfile.glob: an imported module's function, not a path method
        receiver = func.value
        kind = self._path_kind(walker, receiver)
        if kind == _ARCHIVE or _names_one_path(entry, call):
            return None  # a zip archive's members come in the archive's fixed order
        if kind == _PATH:
            confidence = Confidence.HIGH
        elif entry["returns"] != "walk" and imports.imports_any(frozenset({walker.index.path["module"]})):
            confidence = Confidence.MEDIUM  # an unknown receiver in a file that uses pathlib
        else:
            return None
        shown = walker.code(receiver, 60)
        if len(shown) > 25:
            shown = "Path" if confidence is Confidence.HIGH else "path"
        return self._source(walker, call, entry, f"`{shown}.{method}(...)`", confidence, method)

    def _source(self, walker, call, entry, label, confidence, method) -> Source:
        walk = entry["returns"] == "walk"
        bottom_up = False
        if walk:
            direction = self.argument(call, "top_down", 0) if method else self.argument(call, "topdown", 1)
            bottom_up = direction is not None and self.literal(direction.value) is False
        return walker.new_source(
            call,
            label,
            confidence,
            kind="walk" if walk else "listing",
            hint=entry["sort_hint"].format(call=label.strip("`")),
            sort_template="" if walk else entry["sort_hint"],
            bottom_up=bottom_up,
        )

    def order_name_fact(self, walker: ScopeWalker, value: cst.BaseExpression) -> object:
        return self._path_kind(walker, value)

    def order_parameter(self, walker: ScopeWalker, param: cst.Param) -> None:
        index = walker.index
        names = annotation_names(walker, param.annotation.annotation)
        if any(name in index.path["annotations"] for name in names):
            walker.facts[param.name.value] = _PATH
        elif any(name in index.archive_annotations for name in names):
            walker.facts[param.name.value] = _ARCHIVE

    def _path_kind(self, walker: ScopeWalker, node: cst.BaseExpression) -> str | None:
        """`_PATH` for a pathlib path on the file system, `_ARCHIVE` for a path inside an archive or a
        package's resources (`zipfile.Path`, `importlib.resources.files`), else None."""
        path = walker.index.path
        while True:
            if isinstance(node, cst.Call):
                callee = walker.callee(node.func)
                if callee in path["constructors"]:
                    return _PATH
                if callee in walker.index.archive_constructors:
                    return _ARCHIVE
                if isinstance(node.func, cst.Attribute) and node.func.attr.value in path["path_methods"]:
                    node = node.func.value
                    continue
                return None
            if isinstance(node, cst.Attribute) and node.attr.value in path["path_attributes"]:
                node = node.value
                continue
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
                node = node.left
                continue
            if isinstance(node, cst.Name):
                kind = walker.facts.get(node.value)
                return kind if kind in (_PATH, _ARCHIVE) else None
            return None

    # -- messages -----------------------------------------------------------------------------------
    def order_message(self, source: Source, use: Use) -> tuple[str, str, str]:
        label = source.label
        dirs = source.names.get(Role.DIRS)
        files = source.names.get(Role.FILES)
        if source.kind != "walk":
            what = f"{label} returns entries in arbitrary filesystem order"
        elif use.role == Role.FILES:
            what = f"{label} lists each directory's files in arbitrary order"
        elif use.role == Role.DIRS:
            what = f"{label} lists each directory's subdirectories in arbitrary order"
        else:
            what = f"{label} visits directories in arbitrary filesystem order"
        subject = use.via or (f"`{source.names[use.role]}`" if use.role in source.names else "the result")
        done, follows = split_reason(use.reason)
        detail = (
            "Directory entries come back in the order the filesystem keeps them, which depends on the "
            "filesystem and on how the directory was written, so it differs between machines."
        )
        fixes = self._fixes(source, use, dirs, files)
        return f"{what} and {subject} {done}", f"{detail} {follows}".strip(), fixes[:1].upper() + fixes[1:]

    @staticmethod
    def _fixes(source: Source, best: Use, dirs: str | None, files: str | None) -> str:
        if source.kind != "walk":
            return f"use `{source.hint}`"
        roles = [best.role] + [use.role for use in source.uses if use.role != best.role]
        fixes: list[str] = []
        for role in dict.fromkeys(roles):
            if role == Role.FILES:
                fixes.append(f"iterate `sorted({files or 'filenames'})`")
            elif role == Role.DIRS:
                fixes.append(f"iterate `sorted({dirs or 'dirnames'})`")
            elif source.bottom_up:
                fixes.append("sort the collected result (sorting the directory list in place does nothing bottom-up)")
            else:
                name = dirs or "dirnames"
                fixes.append(
                    f"sort the directory list in place inside the loop (`{name}.sort()`) or sort the collected result"
                )
        return " and ".join(fixes)


def _names_one_path(entry: Entry, call: cst.Call) -> bool:
    """`glob.glob("config.yaml")`: a pattern without wildcards matches one path or none."""
    if not entry.get("literal_names_one_path") or not call.args or call.args[0].keyword or call.args[0].star:
        return False
    pattern = call.args[0].value
    if not isinstance(pattern, cst.SimpleString):
        return False
    text = pattern.evaluated_value
    text = text.decode("latin-1") if isinstance(text, bytes) else text
    return not _WILDCARDS.search(text)
