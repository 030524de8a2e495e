"""DET303 (unsorted-listing) and DET304 (set-iteration-order): fixture files with inline expectations,
tricky cases of the order analysis, confidences, messages, and the `ordering` catalog."""

from __future__ import annotations

import textwrap

import pytest
from conftest import REPO

from detlint.catalogs.loader import CatalogError, load_catalog, parse_catalog_file
from detlint.catalogs.ordering import CATALOG
from detlint.finding import Confidence
from detlint.testing import check_source


def _findings(source: str, code: str):
    return [finding for finding in check_source(textwrap.dedent(source)) if finding.code == code]


def _lines(source: str, code: str) -> list[int]:
    return sorted(finding.span.line for finding in _findings(source, code))


# -- DET303: the tricky cases named in the issue --------------------------------------------------------


def test_sorted_later_in_the_same_function_is_not_flagged():
    source = """
        import os
        def load(root):
            names = os.listdir(root)
            n = len(names)
            names.sort()
            return names[:n]
    """
    assert _lines(source, "DET303") == []


def test_a_use_before_the_sort_is_still_flagged():
    source = """
        import os
        def load(root):
            names = os.listdir(root)
            first = names[:3]
            names.sort()
            return first
    """
    assert _lines(source, "DET303") == [4]


def test_a_listing_returned_is_judged_where_the_files_callers_use_it():
    helper = "import os\ndef names(root):\n    return os.listdir(root)\n"
    # every caller in the file sorts it or counts it: the order is never used
    sorted_by_callers = helper + "def load(root):\n    return sorted(names(root))\nn = len(names('.'))\n"
    assert _findings(sorted_by_callers, "DET303") == []
    # one caller splits it: a finding at the listing, its related location at the split
    split = helper + "def split(root):\n    files = names(root)\n    return files[:80], files[80:]\n"
    [finding] = _findings(split, "DET303")
    assert finding.span.line == 3 and finding.confidence is Confidence.HIGH
    assert "`files` is sliced by position" in finding.message
    assert [location.span.line for location in finding.related] == [6]
    # no caller in the file: what callers elsewhere do decides, so it is a low finding
    [finding] = _findings(helper, "DET303")
    assert finding.confidence is Confidence.LOW and "returned to the caller" in finding.message
    assert "handed back by `names`, which nothing in this file calls or names" in finding.detail


def test_a_wrapper_that_only_returns_the_result_hands_it_on_to_callers_elsewhere():
    source = """
        import os
        class HardDiskBackend:
            def list_dir_or_file(self, dir_path):
                return [entry.name for entry in os.scandir(dir_path)]
        class FileClient:
            def __init__(self, backend):
                self.client = backend
            def list_dir_or_file(self, dir_path):
                yield from self.client.list_dir_or_file(dir_path)
    """
    [finding] = _findings(source, "DET303")
    assert finding.confidence is Confidence.LOW and "except to hand its result back" in finding.detail
    # the file uses the wrapper's result, or uses the method's result some other way: judged here
    used = source + "        first = FileClient(HardDiskBackend()).list_dir_or_file('.')\n"
    # a protocol calls a dunder method (`for name in client`), and a nested function's return is its own
    iterated = source.replace("def list_dir_or_file(self, dir_path):\n                yield", "def __iter__(self):\n                yield")
    iterated = iterated.replace("self.client.list_dir_or_file(dir_path)", "self.client.list_dir_or_file('.')")
    nested = source.replace(
        "yield from self.client.list_dir_or_file(dir_path)",
        "def fetch(path):\n                    return self.client.list_dir_or_file(path)\n"
        "                return fetch(dir_path)[:3]",
    )
    sliced = source.replace("yield from self.client.list_dir_or_file(dir_path)", "return self.client.list_dir_or_file(dir_path)[:3]")
    for variant in (used, sliced, iterated, nested):
        [finding] = _findings(variant, "DET303")
        assert finding.confidence is Confidence.HIGH, variant


@pytest.mark.parametrize(
    "caller",
    [
        # through a helper that collects, from a function main() calls (summaries at depth)
        "def collect(roots):\n    paths = []\n    for r in roots:\n        paths.extend(names(r))\n    return paths\n"
        "def main():\n    train = collect(['a', 'b'])[:80]\nif __name__ == '__main__':\n    main()\n",
        # recursion is no caller
        "def deeper(root, depth=0):\n    return names(root) + deeper(root, depth + 1)\nfiles = deeper('d')[:80]\n",
        # named in ways the walk cannot follow: judged where the listing is returned
        "class Loader:\n    def files(self):\n        return names('d')\nfiles = Loader().files()[:80]\n",
        "import tensorflow as tf\nds = tf.data.Dataset.from_generator(lambda: names('d'), output_types=tf.string)\n",
        "import tensorflow as tf\nds = tf.data.Dataset.from_generator(names, output_types=tf.string)\n",
    ],
    ids=["helper-chain", "recursion", "instance-method", "lambda", "callback"],
)
def test_a_returned_listing_stays_a_default_finding_where_its_callers_cannot_be_followed(caller):
    helper = "import os\ndef names(root):\n    return os.listdir(root)\n"
    findings = _findings(helper + caller, "DET303")
    assert [f.span.line for f in findings] == [3] and findings[0].confidence is not Confidence.LOW, findings


def test_a_local_variable_named_like_a_method_is_no_reference_to_the_method():
    # `items = dict(self.items())` binds a local name: every call of `items` is followed, and each is
    # order-free, so the set's order reaches nothing
    source = """
        class Record:
            def keys(self):
                private = {"_" + key for key in self._fields}
                return list(self._fields - private)
            def items(self):
                for key in self.keys():
                    yield key, getattr(self, key)
            def to_dict(self):
                return dict(self.items())
            def __repr__(self):
                items = dict(self.items())
                return repr(items)
    """
    assert _findings(source, "DET304") == []
    # named by its bare name in its own class's body, the method is handed to code the walk cannot follow
    aliased = source.replace("    def __repr__", "    __iter__ = items\n            def __repr__")
    [finding] = _findings(aliased, "DET304")
    assert finding.span.line == 5 and "yields each item" in finding.message


def test_a_container_made_afresh_for_each_item_holds_that_items_data_only():
    fresh = """
        import glob, json
        def summarize(pattern):
            for log in glob.glob(pattern):
                by_file = {}
                for line in open(log):
                    record = json.loads(line)
                    by_file[record["file"]] += [record["test"]]
                    by_file[record["file"]].append(record)
                print(by_file)
    """
    assert _findings(fresh, "DET303") == []
    # made once, it collects across the listing's items, and its lists are written out in that order
    shared = """
        import glob, json
        def summarize(pattern, out):
            by_file = {}
            for log in glob.glob(pattern):
                for line in open(log):
                    record = json.loads(line)
                    by_file[record["file"]] += [record["test"]]
                    by_file[record["file"]].append(record)
            json.dump(by_file, out)
    """
    [finding] = _findings(shared, "DET303")
    assert "`by_file`, filled in that order, is passed to `json.dump(...)`" in finding.message
    # reset only when full, a shard collects files across items
    sharded = """
        import glob
        def shards(pattern):
            shard = {"files": []}
            for f in glob.glob(pattern):
                shard["files"].append(f)
                if len(shard["files"]) == 100:
                    write_shard(shard)
                    shard = {"files": []}
    """
    assert "adds each item to `shard[\"files\"]`" in _findings(sharded, "DET303")[0].message
    # made afresh under a branch and used only there: a pass that skips the branch does not touch it
    branch = """
        import glob, json
        def summarize(pattern):
            for log in glob.glob(pattern):
                records = [json.loads(line) for line in open(log)]
                if records:
                    by_file = {}
                    for record in records:
                        by_file[record["file"]] += [record["test"]]
                    print(by_file)
    """
    assert _findings(branch, "DET303") == []
    # used outside the branch too: a pass that skips the reset adds to the previous item's container
    leaking = branch.replace("                print(by_file)", "            print(by_file)")
    # made before the loop and read after it: it holds the last item's data, the last in listing order
    last = branch.replace("            for log in", "            by_file = {}\n            for log in")
    last = last.replace("                print(by_file)", "        return by_file")
    for variant in (leaking, last):
        [finding] = _findings(variant, "DET303")
        assert "by_file" in finding.message, variant
    # an attribute of that name is not this container; a loop that resets it at its top, as `fresh` does,
    # makes it afresh for each item whatever other loops of the function do with theirs
    attribute = branch.rstrip() + "\n            report.by_file = 0\n"
    loop = fresh.split("def summarize(pattern):\n", 1)[1].rstrip()
    twice = fresh.rstrip() + "\n" + loop + "\n"
    for variant in (twice, attribute):
        assert _findings(variant, "DET303") == [], variant


def test_a_listing_kept_on_a_local_object_ends_with_the_call_unless_the_object_is_handed_on():
    source = """
        import argparse, glob
        def main():
            args = argparse.ArgumentParser().parse_args()
            args.input = glob.glob(args.pattern)
            for path in args.input:
                show(path)
                if args.once:
                    return
    """
    # made here and only its attributes are read: nothing can read `args.input` after the call
    assert _findings(source, "DET303") == []
    kept = "`args.input` is kept unsorted after the function returns"
    # handed on whole, before the assignment or after it, aliased, or captured: kept for that code
    for variant in (
        source.replace("            args.input =", "            trainer = Trainer(args)\n            args.input ="),
        source.replace("                    return", "                    return\n            train(args)"),
        source.replace("argparse.ArgumentParser().parse_args()", "CONFIG"),
        source.replace("            args.input =", "            report = lambda: print(args.input[0])\n            args.input ="),
    ):
        [finding] = _findings(variant, "DET303")
        assert kept in finding.message, variant
    # a parameter's attribute outlives the call
    parameter = "import glob\ndef load(args):\n    args.input = glob.glob(args.pattern)\n"
    assert len(_findings(parameter, "DET303")) == 1


def test_a_loop_that_stops_at_the_first_item_passing_a_test_is_a_guess_like_next():
    search = """
        import os
        def find(d):
            for name in os.listdir(d):
                if name.startswith("libnccl.so"):
                    return os.path.join(d, name)
    """
    generator = "import os\ndef find(d):\n    return next(n for n in os.listdir(d) if n.startswith('libnccl.so'))\n"
    kept = search.replace("return os.path.join(d, name)", "found = name\n                    break")
    for source in (search, generator, kept):
        assert _findings(source, "DET303") == [], source
    # what earlier items added up to decides which item is returned: not a search of one item
    for cumulative in ("total += len(name)\n                if total > 100:", "seen += 1\n                if seen == 3:"):
        variant = search.replace('if name.startswith("libnccl.so"):', cumulative)
        [finding] = _findings(variant, "DET303")
        assert "returns the first match from inside the loop" in finding.message, variant
    # a sum kept before `break`, or returned from the only match, was added up in loop order
    summed = kept.replace("found = name", "found = total")
    summed = summed.replace("for name in os.listdir(d):", "for name in os.listdir(d):\n                total = total + len(name)")
    only = search.replace('if name.startswith("libnccl.so"):', "total += len(name)\n                if name == 'x':")
    only = only.replace("return os.path.join(d, name)", "return total")
    for variant in (summed, only):
        [finding] = _findings(variant, "DET303")
        assert "match" in finding.message, variant
    # work done on each item before the match: which items got it depends on the order
    uploaded = kept.replace("for name in os.listdir(d):", "for name in os.listdir(d):\n                upload(name)")
    copied = search.replace("for name in os.listdir(d):", "for name in os.listdir(d):\n                shutil.copy(name, 'out')")
    for variant in (uploaded, copied.replace("import os", "import os, shutil")):
        [finding] = _findings(variant, "DET303")
        assert "stops early" in finding.message, variant
    # logging each item, a method of `self`, or a call that does not look at the item is no such work
    for quiet in (
        "self.logger.debug('looking at %s', name)\n                if self.matches(name):",
        "os.makedirs('out', exist_ok=True)\n                if os.path.isdir(name):",
    ):
        variant = search.replace('if name.startswith("libnccl.so"):', quiet).replace("def find(d):", "def find(self, d):")
        assert _findings(variant, "DET303") == [], variant
    # collecting until a condition: which items are collected depends on the order
    collected = search.replace("return os.path.join(d, name)", "break\n                out.append(name)")
    collected = collected.replace("def find(d):", "def find(d, out):")
    [finding] = _findings(collected, "DET303")
    assert "stops early" in finding.message


def test_an_object_lent_to_code_that_keeps_no_reference_still_ends_with_the_call():
    source = """
        import argparse, glob, logging
        logger = logging.getLogger(__name__)
        def setup_cfg(args):
            cfg = {"threshold": args.confidence_threshold}
            return cfg
        def main():
            args = argparse.ArgumentParser().parse_args()
            logger.info("Arguments: " + str(args))
            cfg = setup_cfg(args)
            args.input = glob.glob(args.pattern)
            for path in args.input:
                show(path, cfg)
                if args.once:
                    return
    """
    # a message formats the object; `setup_cfg` reads two attributes and keeps nothing
    assert _findings(source, "DET303") == []
    kept = "`args.input` is kept unsorted after the function returns"
    # the helper keeps it (returns, stores or passes it on), or a helper of another file gets it
    for keeping in ("return args", "cfg['args'] = args", "register(args)"):
        variant = source.replace("            return cfg", f"            {keeping}\n            return cfg")
        [finding] = _findings(variant, "DET303")
        assert kept in finding.message, variant
    imported = source.replace("import argparse, glob, logging", "import argparse, glob, logging\n        from config import setup")
    imported = imported.replace("cfg = setup_cfg(args)", "cfg = setup(args)")
    # the helper reads the listing itself; a call inside the message keeps the object
    reads = source.replace('"threshold": args.confidence_threshold', '"first": args.input[:10]')
    registered = source.replace('"Arguments: " + str(args)', '"%d", REGISTRY.append(args) or len(REGISTRY)')
    dumped = source.replace('"Arguments: " + str(args)', '"args %s", json.dumps(vars(args))').replace("logging\n", "logging, json\n", 1)
    assert _findings(dumped, "DET303") == []
    for variant in (imported, reads, registered):
        [finding] = _findings(variant, "DET303")
        assert kept in finding.message, variant


def test_what_a_scripts_main_block_binds_is_read_only_by_the_files_own_functions():
    script = "import glob\nif __name__ == '__main__':\n    inputs = glob.glob('*.png')\n"
    assert _findings(script, "DET303") == []
    module = script.replace("if __name__ == '__main__':\n    ", "")
    [finding] = _findings(module, "DET303")
    assert "`inputs` is kept at module level for use elsewhere" in finding.message
    # a function of the file reads the global when the block calls it
    read_later = "def first():\n    return inputs[:10]\n" + script + "    print(first())\n"
    assert len(_findings(read_later, "DET303")) == 1
    # a function whose own parameter (or local) is called `inputs` does not read the global
    for own in ("def first(inputs):\n    return inputs[:10]\n", "def first():\n    inputs = []\n    return inputs[:10]\n"):
        assert _findings(own + script, "DET303") == [], own
    declared = "def first():\n    global inputs\n    inputs = inputs[:10]\n"
    # a default is read where the function is defined; `global` in a nested function reaches past the outer one
    default = "if __name__ == '__main__':\n    inputs = glob.glob('*.png')\n    def first(inputs=inputs):\n        return inputs\n"
    nested = "def outer():\n    inputs = []\n    def inner():\n        global inputs\n        return inputs[:10]\n    return inner()\n"
    comprehension = "def first(groups):\n    sizes = [len(inputs) for inputs in groups]\n    return inputs[:10], sizes\n"
    for reader in (declared + script + "    first()\n", "import glob\n" + default, nested + script, comprehension + script):
        assert len(_findings(reader, "DET303")) == 1, reader
    # `nonlocal` names the enclosing function's local, not the global
    enclosed = "def outer():\n    inputs = []\n    def inner():\n        nonlocal inputs\n        inputs = inputs + [1]\n    inner()\n    return inputs\n"
    assert _findings(enclosed + script, "DET303") == []


def test_a_function_defined_after_an_import_of_its_name_is_the_one_read():
    imported = "import os\nfrom helpers import count\nn = count(os.listdir('d'))\n"
    [finding] = _findings(imported, "DET303")
    assert "is passed to `count(...)`" in finding.message
    redefined = imported.replace("n = ", "def count(names):\n    return len(names)\nn = ")
    assert _findings(redefined, "DET303") == []


def test_a_pool_map_and_joined_arrays_keep_the_order_for_what_follows():
    source = """
        import os
        import numpy as np
        from multiprocessing import Pool
        def values(d):
            names = os.listdir(d)
            with Pool() as pool:
                parts = list(pool.imap(load, names))
            return sorted(np.unique(np.concatenate(parts)).tolist())
    """
    assert _findings(source, "DET303") == []
    first_rows = source.replace("sorted(np.unique(np.concatenate(parts)).tolist())", "np.concatenate(parts)[:10]")
    [finding] = _findings(first_rows, "DET303")
    assert "is sliced by position" in finding.message
    # an array in listing order joined with another passes its order on
    joined = source.replace(
        "return sorted(np.unique(np.concatenate(parts)).tolist())",
        "rows = np.array(parts)\n            both = np.concatenate((rows, extra))\n            return both[:10]",
    )
    assert "`both` is sliced by position" in _findings(joined, "DET303")[0].message
    # `map` of anything but a pool or an executor is not a pool's
    mapped = source.replace("with Pool() as pool:", "with open_table() as pool:")
    assert "is passed to `pool.imap(...)`" in _findings(mapped, "DET303")[0].message


def test_columns_of_every_row_and_element_wise_arithmetic_keep_the_rows_order():
    source = """
        import glob
        import numpy as np
        def anchors(pattern):
            boxes = np.vstack([np.loadtxt(p) for p in glob.glob(pattern)])
            wh = (boxes[..., 2:4] - boxes[:, 0:2]) / 2
            return len(wh)
    """
    assert _findings(source, "DET303") == []
    picked = source.replace("return len(wh)", "return wh[np.random.choice(len(wh), 9)]")
    [finding] = _findings(picked, "DET303")
    assert "`wh` is indexed by position" in finding.message
    # the first rows, or the rows a slice of the first axis keeps, are an arbitrary part
    first_rows = source.replace("return len(wh)", "return wh[:100, 0]")
    assert "sliced by position" in _findings(first_rows, "DET303")[0].message


def test_a_value_on_a_line_of_its_own_is_only_shown_and_a_later_use_is_the_one_reported():
    source = """
        import glob
        import numpy as np
        captions = glob.glob("captions/*.txt")
        captions[-1]
        np.random.seed(1)
        train = [captions[i] for i in np.random.choice(len(captions), 100)]
    """
    [finding] = _findings(source, "DET303")
    assert "indexed by position (`captions[i]`)" in finding.message and finding.related[0].span.line == 7
    # a call on such a line does something with what it is given
    called = source.replace("captions[-1]", "train(captions[:80]), evaluate(captions[80:])")
    assert "sliced by position (`captions[:80]`)" in _findings(called, "DET303")[0].message


DATASET = """
    import glob
    from torch.utils.data import DataLoader, Dataset
    class Images(Dataset):
        def __init__(self, paths):
            self.paths = paths
        def __len__(self):
            return len(self.paths)
        def __getitem__(self, i):
            return load(self.paths[i])
"""


def test_a_dataset_of_the_file_uses_the_order_where_it_is_loaded_and_one_never_loaded_uses_none():
    source = (DATASET + """
    def main():
        train = Images(glob.glob("train/*.png"))
        test = Images(glob.glob("test/*.png"))
        train_loader = DataLoader(train, batch_size=8, shuffle=True)
        test_loader = DataLoader(dataset=test, batch_size=8, sampler=RandomSampler(test))
        for batch in train_loader:
            step(batch)
    """).replace("import DataLoader", "import DataLoader, RandomSampler")
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 13
    assert "the result is passed to `Images(...)`, where `self.paths` is read in order by `__getitem__`" in finding.message
    assert finding.related[0].span.line == 10  # `self.paths[i]`
    # kept at a module's top level, the loader is there for code elsewhere
    module = DATASET + "    loader = DataLoader(Images(glob.glob('x/*.png')))\n"
    assert [f.span.line for f in _findings(module, "DET303")] == [11]
    # a constructor that uses the order itself uses it whether or not the object is read
    numbered = DATASET.replace("self.paths = paths", "self.ids = {p: i for i, p in enumerate(paths)}")
    used_at_once = numbered + "    def main():\n        Images(glob.glob('x/*.png'))\n"
    assert "numbered with `enumerate`" in _findings(used_at_once, "DET303")[0].message


def test_setup_installs_listed_files_by_path_but_its_other_arguments_are_judged():
    source = """
        import glob
        from setuptools import setup
        setup(
            name="pkg",
            package_data={"pkg": glob.glob("configs/*.yaml")},
            scripts=glob.glob("bin/*"),
            long_description="\\n".join(open(f).read() for f in glob.glob("docs/*.md")),
        )
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 8 and "joined into a string" in finding.message


def test_a_viewer_the_person_stops_uses_no_order_but_a_match_it_stops_at_does():
    viewer = """
        import glob, cv2
        for path in glob.glob("images/*.jpg"):
            cv2.imshow("view", cv2.imread(path))
            if cv2.waitKey(0) == 27:
                break
    """
    assert _findings(viewer, "DET303") == []
    matched = viewer.replace("cv2.waitKey(0) == 27", "target in path or cv2.waitKey(1) == 27")
    assert "stops early (`break`)" in _findings(matched, "DET303")[0].message


def test_a_generator_yielding_a_whole_list_and_tuples_of_several_lengths():
    whole = "import os\ndef batches(d):\n    files = os.listdir(d)\n    yield files\nfor batch in batches('d'):\n    train = batch[:80]\n"
    [finding] = _findings(whole, "DET303")
    assert "sliced by position" in finding.message
    lengths = (
        "import os\ndef load(d, count=False):\n    files = os.listdir(d)\n    if count:\n"
        "        return files, len(files), d\n    return files, d\nfiles, root = load('data')\ntrain = files[:80]\n"
    )
    [finding] = _findings(lengths, "DET303")
    assert "sliced by position" in finding.message


def test_a_finding_found_through_a_caller_keeps_the_listings_scope():
    helper = "import os\ndef names(root):\n    return os.listdir(root)\ndef main():\n    return names('d')[:80]\n"
    [one] = _findings(helper, "DET303")
    [two] = _findings(helper + "def prepare():\n    return names('e')[1:]\n", "DET303")
    assert one.fingerprint == two.fingerprint


def test_a_returned_tuple_is_unpacked_item_by_item_and_a_generator_carries_what_it_yields():
    source = """
        import os
        from pathlib import Path
        class Frames:
            def files(self):
                paths = list(Path(self.root).glob("*/*.avi"))
                return paths, [path.parent.name for path in paths]
            def __call__(self):
                paths, labels = self.files()
                return len(paths), set(labels)
        def images(root):
            for name in os.listdir(root):
                yield name
        ids = {name: i for i, name in enumerate(images("data"))}
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 12 and "numbered with `enumerate`" in finding.message
    assert finding.related[0].span.line == 14


def test_membership_and_len_only_are_not_flagged():
    source = """
        import glob, os
        def f(root, name):
            files = os.listdir(root)
            if name in files and len(files) > 3:
                return any(f.endswith(".x") for f in files), min(files), set(glob.glob("*"))
    """
    assert _lines(source, "DET303") == []


def test_walk_with_dirs_sorted_in_place_and_sorted_files_is_not_flagged():
    source = """
        import os
        def collect(top):
            out = []
            for root, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for name in sorted(filenames):
                    out.append(os.path.join(root, name))
            return out
    """
    assert _lines(source, "DET303") == []


def test_walk_messages_name_the_missing_sorts():
    source = """
        import os
        def collect(top):
            out = []
            for root, subdirs, names in os.walk(top):
                for name in names:
                    out.append(os.path.join(root, name))
            return out
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 5
    assert "`subdirs.sort()`" in finding.help and "`sorted(names)`" in finding.help


def test_walk_bottom_up_sorting_in_place_does_not_help():
    source = """
        import os
        def collect(top):
            out = []
            for root, dirs, files in os.walk(top, topdown=False):
                dirs.sort()
                out.extend(sorted(files))
            return out
    """
    [finding] = _findings(source, "DET303")
    assert "bottom-up" in finding.help


def test_order_free_loop_bodies_and_unknown_ones_are_silent():
    silent = """
        import os, shutil
        def mirror(src, dst, log):
            for name in os.listdir(src):
                if name.startswith("."):
                    continue
                shutil.copy2(os.path.join(src, name), dst)
                log.info("copied %s", name)
    """
    assert _lines(silent, "DET303") == []
    unknown = """
        import os
        def train(root, model):
            for name in os.listdir(root):
                model.step(os.path.join(root, name))
    """
    assert _findings(unknown, "DET303") == []  # a guessed use: `model.step` may or may not need the order
    yielded = unknown.replace("model.step(os.path.join(root, name))", "yield model.step(os.path.join(root, name))")
    assert _lines(yielded, "DET303") == [4]


def test_aliases_resolve_through_imports():
    source = """
        from os import listdir as ls
        import glob as g
        from pathlib import Path as P
        def a(d):
            return ls(d)[:5]
        def b(d):
            return g.glob(d)[:5]
        def c(d):
            return list(P(d).rglob("*"))[:5]
    """
    assert _lines(source, "DET303") == [6, 8, 10]
    assert {finding.confidence for finding in _findings(source, "DET303")} == {Confidence.HIGH}


def test_unknown_receivers_count_only_in_files_importing_pathlib():
    with_pathlib = "import pathlib\ndef f(p):\n    return list(p.glob('*'))[:5]\n"
    [finding] = _findings(with_pathlib, "DET303")
    assert finding.confidence is Confidence.MEDIUM
    without = "import os\ndef f(p):\n    return list(p.glob('*'))\n"
    assert _lines(without, "DET303") == []


def test_other_modules_glob_functions_are_not_path_methods():
    source = "import os\nimport fsspec\ndef f(fs, p):\n    return fs.glob(p), fsspec.filesystem('s3').glob(p)\n"
    assert _lines(source, "DET303") == []


def test_attributes_sorted_before_the_method_returns_are_not_flagged():
    source = """
        import os
        class Index:
            def scan(self, root):
                self.names = os.listdir(root)
                self.names.sort()
            def rescan(self, root):
                self.names = os.listdir(root)
    """
    assert _lines(source, "DET303") == [8]


def test_same_file_helpers_are_read_for_what_they_do_with_the_order():
    source = """
        import os
        def drop_hidden(names):
            return [n for n in names if not n.startswith(".")]
        def delete(root, names):
            for n in names:
                os.remove(os.path.join(root, n))
        def numbered(names):
            return dict(enumerate(names))
        def a(root):
            names = drop_hidden(os.listdir(root))
            names.sort()
            return names
        def b(root):
            delete(root, os.listdir(root))
        def c(root):
            return numbered(os.listdir(root))
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 17
    assert "`numbered(...)`, where `names` is numbered with `enumerate`" in finding.message


def test_message_says_what_is_wrong_and_what_to_write():
    source = "import os\ndef load(root):\n    return [os.path.join(root, n) for n in os.listdir(root)]\n"
    [finding] = _findings(source, "DET303")
    assert finding.message == (
        "`os.listdir(...)` returns entries in arbitrary filesystem order and the result is returned to the caller"
    )
    assert "differs between machines" in finding.detail
    assert finding.help == "Use `sorted(os.listdir(...))`"
    scandir = "import os\ndef load(root):\n    return list(os.scandir(root))\n"
    assert "key=lambda entry: entry.name" in _findings(scandir, "DET303")[0].help


def test_suppression_on_the_loop_line():
    source = """
        import os
        def load(root):
            out = []
            for name in os.listdir(root):  # noqa: DET303
                out.append(name)
            return out
    """
    assert _lines(source, "DET303") == []


def test_files_without_listing_imports_are_skipped():
    assert _lines("def f(p):\n    return p.glob('*')[0]\n", "DET303") == []


# -- DET304 ---------------------------------------------------------------------------------------------


def test_set_confidence_follows_the_element_type():
    strings = "def f():\n    return list({'a', 'b'})[:1]\n"
    unknown = "def f(xs):\n    return list(set(xs))[:1]\n"
    numbers = "def f(n):\n    return list(set(range(n))) + list({1, 2}) + [x for x in {int(y) for y in 'ab'}]\n"
    assert [finding.confidence for finding in _findings(strings, "DET304")] == [Confidence.HIGH]
    assert [finding.confidence for finding in _findings(unknown, "DET304")] == [Confidence.LOW]
    assert _findings(numbers, "DET304") == []


def test_set_built_by_adding_strings_is_high_and_by_adding_ints_silent():
    strings = """
        def f(rows):
            seen = set()
            for row in rows:
                seen.add(str(row))
            return list(seen)[:3]
    """
    ints = strings.replace("str(row)", "int(row)")
    assert [finding.confidence for finding in _findings(strings, "DET304")] == [Confidence.HIGH]
    assert _findings(ints, "DET304") == []


def test_set_uses_that_do_not_expose_order_are_silent():
    source = """
        def f(words, stop, frame):
            vocab = set(words) - set(stop)
            if "the" in vocab or not vocab:
                return None
            frame = frame[frame.word.isin(vocab)]
            return len(vocab), max(vocab), sorted(vocab), vocab, vocab | {"x"}
    """
    assert _findings(source, "DET304") == []


def test_label_map_from_a_set_is_reported_once_at_the_set():
    source = """
        def label_ids(labels):
            classes = set(labels)
            ids = {c: i for i, c in enumerate(classes)}
            names = list(classes)
            return ids, names
    """
    [finding] = _findings(source, "DET304")
    assert finding.span.line == 3
    assert finding.message.endswith("is numbered with `enumerate`")
    assert "PYTHONHASHSEED" in finding.detail and "Each item's index depends on that order." in finding.detail
    assert "sorted(...)" in finding.help


def test_single_element_idioms_are_not_findings_but_a_certain_use_beside_them_is():
    source = "def f(s):\n    return next(iter(set(s))), set(s).pop(), list({str(x) for x in s})[0]\n"
    assert _findings(source, "DET304") == []
    ordered = (
        "def f(s):\n    names = {str(x) for x in s}\n    first = next(iter(names))\n    return first, list(names)[:2]\n"
    )
    [finding] = _findings(ordered, "DET304")
    assert finding.confidence is Confidence.HIGH and "`names` is sliced by position" in finding.message


def test_messages_for_people_are_not_data():
    source = """
        import logging
        log = logging.getLogger(__name__)
        def f(keys):
            log.warning("unknown: %s", ", ".join(set(keys)))
            print(list(set(keys)))
            raise KeyError(f"{', '.join(set(keys))}")
    """
    assert _findings(source, "DET304") == []
    # a logger's `log` method, on a receiver named like one; a tensor's `log` is arithmetic
    logged = """
        import glob
        def f(wandb_logger):
            wandb_logger.log({"mosaics": [str(path) for path in glob.glob("train*.jpg")]})
    """
    assert _findings(logged, "DET303") == []
    assert _findings(logged.replace("wandb_logger.log", "runLog.info").replace("(wandb_logger)", "(runLog)"), "DET303") == []
    # a tracker's record of named values, whatever the receiver is called (`v` for the W&B run)
    assert _findings(logged.replace("wandb_logger", "v"), "DET303") == []
    assert _findings(logged.replace("wandb_logger.log", "v.log_dict").replace("(wandb_logger)", "(v)"), "DET303") == []
    arithmetic = logged.replace('{"mosaics": [', "[").replace("]})", "])")
    for receiver in ("logits", "catalog"):
        [finding] = _findings(arithmetic.replace("wandb_logger", receiver), "DET303")
        assert f"is passed to `{receiver}.log(...)`" in finding.message


# -- where the order is used, and tests -----------------------------------------------------------------


def test_the_order_sensitive_use_is_a_related_location():
    source = """
        import glob
        def split(root):
            files = glob.glob(root + "/*.png")
            n = len(files) // 5
            return files[:n], files[n:]
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 4
    assert finding.message.endswith("is sliced by position (`files[:n]`)")
    [related] = finding.related
    assert related.span.line == 6
    assert related.message == "the order is used here: `files` is sliced by position (`files[:n]`)"


def test_a_loop_points_at_the_statement_that_uses_the_order():
    source = """
        def ids(labels):
            out = []
            for label in set(labels.split()):
                if label:
                    out.append(label)
            return out
    """
    [finding] = _findings(source, "DET304")
    assert [related.span.line for related in finding.related] == [7]


TEST_USES = """
    import os
    def {name}(d):
        files = os.listdir(d)
        first = files[0]
        for f in files:
            check(f)
        {comparison}
        return files, first
"""


@pytest.mark.parametrize("name", ["test_listing", "TestListing"])
def test_in_a_test_only_a_comparison_is_a_finding(name):
    assert _lines(TEST_USES.format(name=name, comparison="pass"), "DET303") == []
    outside = TEST_USES.format(name="listing", comparison="pass")  # the same code outside a test
    assert _lines(outside, "DET303") == [4]
    compared = TEST_USES.format(name=name, comparison="assert files == ['a', 'b']")
    [finding] = _findings(compared, "DET303")
    assert finding.message.endswith("`files` is compared item by item with `==`")


def test_a_test_file_is_test_code_throughout():
    helper = "import os\ndef names(d):\n    return os.listdir(d)\n"
    assert [f.code for f in check_source(helper, "test_names.py") if f.code == "DET303"] == []
    assert [f.code for f in check_source(helper, "tests/helpers.py") if f.code == "DET303"] == []
    assert [f.code for f in check_source(helper, "src/helpers.py") if f.code == "DET303"] == ["DET303"]


def test_a_comparison_through_a_helper_is_followed():
    source = """
        import os, unittest
        class T(unittest.TestCase):
            def check(self, names):
                self.assertListEqual(names, ["a", "b"])
            def check_as_sets(self, names):
                self.assertEqual(set(names), {"a", "b"})
            def test_names(self):
                self.check_as_sets(os.listdir("d"))
                self.check(os.listdir("d"))
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 10
    assert [related.span.line for related in finding.related] == [5]


def test_an_attribute_is_judged_where_the_class_reads_it():
    source = """
        import os
        class Folder:
            def __init__(self, root):
                self.names = os.listdir(root)
                self.suffixes = tuple(set(os.listdir(root)))
            def has(self, name):
                return name in self.names and name.endswith(self.suffixes)
            {method}
    """
    assert _lines(source.format(method="pass"), "DET303") == []
    [finding] = _findings(source.format(method="def first(self, i):\n                return self.names[i]"), "DET303")
    assert finding.span.line == 5
    assert finding.message.endswith("`self.names` is read in order by `first`")
    assert finding.detail.endswith("There it is indexed by position (`self.names[i]`), so an arbitrary item is picked.")
    assert [related.span.line for related in finding.related] == [10]


def test_archive_paths_are_not_the_file_system():
    archive = """
        import pathlib, zipfile
        def members(p):
            root = {receiver}(p)
            return list(root.iterdir())
    """
    assert _lines(archive.format(receiver="zipfile.Path"), "DET303") == []
    assert _lines(archive.format(receiver="pathlib.Path"), "DET303") == [5]


def test_a_pattern_without_wildcards_names_one_path_but_rglob_searches_every_depth():
    source = """
        from pathlib import Path
        def f(root: Path):
            return list(root.glob("model.yaml")), list(root.rglob("model.yaml")), list(root.glob("*.yaml"))
    """
    assert [finding.message.split("`")[1] for finding in _findings(source, "DET303")] == [
        "root.rglob(...)",
        "root.glob(...)",
    ]


# -- robustness -----------------------------------------------------------------------------------------


UNUSUAL = """
import os, glob
from pathlib import Path

async def a(root):
    async for x in aiter(os.listdir(root)):
        yield x
    async with ctx() as (p, q):
        pass

def b(root, n):
    match os.listdir(root):
        case [first, *rest]:
            return first
        case _:
            pass
    if (names := os.listdir(root)) and (s := {*names}):
        return [*names][n], sorted(s)
    try:
        files = glob.glob(root)
    except OSError as error:
        files = []
    finally:
        del n
    global G
    G = lambda d=os.listdir(root): d
    return [y for x in files for y in x], {k: v for k, v in zip(files, files)}, f(*files), f(**{})

class C:
    names = os.listdir(".")
    first = names[0]
    def m(self, p: "Path | None" = None, *args: set[str], **kw):
        for (i, j), k in zip(args, kw):
            self.x[i] += j
        with os.scandir(p) as it, open(p) as fh:
            fh.write(str(list(it)))
"""


def test_unusual_syntax_does_not_crash_the_rules():
    findings = check_source(UNUSUAL)
    assert not [finding for finding in findings if finding.code in ("DET001", "DET002")], findings
    assert any(finding.code == "DET303" for finding in findings)


# -- the catalog ----------------------------------------------------------------------------------------


def test_ordering_catalog_is_consistent():
    catalog = load_catalog()
    assert "ordering.yaml" in catalog.files
    for entry in catalog.entries(CATALOG, "listings"):
        assert entry.get("callables") or entry.get("methods"), entry.id
    for entry in catalog.entries(CATALOG, "consumers"):
        assert entry.get("callables") or entry.get("methods"), entry.id
        if entry["effect"] == "uses-order":
            assert entry.get("reason"), entry.id
    for entry in catalog.entries(CATALOG, "assertions"):
        assert entry.get("callables") or entry.get("methods"), entry.id
    assert len(catalog.entries(CATALOG, "path_types")) == 1
    assert len(catalog.entries(CATALOG, "sets")) == 1
    hashes = {entry["hash"] for entry in catalog.entries(CATALOG, "hash_types")}
    assert hashes == {"randomized", "stable"}


def test_ordering_catalog_rejects_unknown_effects():
    text = (REPO / "rules" / "ordering.yaml").read_text(encoding="utf-8")
    with pytest.raises(CatalogError, match="'effect' must be one of"):
        parse_catalog_file("ordering.yaml", text.replace("effect: sorts", "effect: shuffles", 1))


def test_an_item_at_a_written_position_is_a_guess_and_at_a_computed_one_a_finding():
    # `files[0]`, straight from the call or from a kept listing, is mostly the one file of its kind or one
    # example shown: on public code almost never a hazard. `files[i]` walks the listing in its order.
    taken = "import glob\n\ndef labels(root):\n    return open(glob.glob(root + '/*.txt')[0]).read()\n"
    kept = "import glob\n\ndef labels(root):\n    files = glob.glob(root + '/*.txt')\n    return open(files[0]).read()\n"
    nexted = "from pathlib import Path\n\ndef model(w):\n    return next(Path(w).glob('*.xml'))\n"
    computed = "import glob\n\ndef label(root, i):\n    files = glob.glob(root + '/*.txt')\n    return open(files[i]).read()\n"
    for source in (taken, nexted, kept):
        assert _findings(source, "DET303") == []  # at any confidence
    (finding,) = _findings(computed, "DET303")
    assert finding.confidence is Confidence.HIGH


# -- order used only off the default path, by another program, or by an unseeded shuffle ---------------

_FIND = """
    import os
    def find(folder, sort={default}):
        files, labels = [], []
        for root, _, names in os.walk(folder):
            for name in names:
                files.append(os.path.join(root, name))
                labels.append(os.path.basename(root))
        pairs = zip(files, labels)
        {before}if {test}:
            pairs = sorted(pairs)
        return pairs
"""


def test_lists_filled_in_one_loop_are_zipped_without_a_use_and_their_pairs_carry_the_order():
    (finding,) = _findings(_FIND.format(default="False", before="", test="sort"), "DET303")
    assert "`pairs` is returned to the caller" in finding.message
    separate = "import os\ndef pair(a, b):\n    return sorted(zip(os.listdir(a), os.listdir(b)))\n"
    findings = _findings(separate, "DET303")
    assert len(findings) == 2 and all("paired by position" in f.message for f in findings)


def test_a_sort_a_flag_turns_on_by_default_leaves_no_finding():
    assert _findings(_FIND.format(default="True", before="", test="sort"), "DET303") == []
    # `if not sort:` sorting: the unsorted path is the default one
    # (handed back to callers the file does not hold: low)
    (finding,) = _findings(_FIND.format(default="True", before="", test="not sort"), "DET303")
    assert finding.confidence is Confidence.LOW
    # off by default, or rebound before the test: the default path is unsorted or unknown
    for default, before in (("False", ""), ("True", "sort = os.environ.get('SORT')\n        ")):
        (finding,) = _findings(_FIND.format(default=default, before=before, test="sort"), "DET303")
        assert finding.confidence is Confidence.LOW, (default, before)


def test_a_listing_handed_to_an_external_command_is_not_a_finding_but_to_another_callable_is():
    source = "import glob, subprocess\nsubprocess.run(['zip', '-r', 'study.zip', *glob.glob('study_*.txt')])\n"
    assert _findings(source, "DET303") == []
    (finding,) = _findings(source.replace("subprocess.run", "archive"), "DET303")
    assert finding.confidence is Confidence.HIGH and "`archive(...)`" in finding.message


def test_a_shuffle_is_no_finding_where_nothing_seeds_it_and_what_follows_it_is_the_shuffles_order():
    unseeded = "import glob, random\npaths = glob.glob('a/*.jpg')\nrandom.shuffle(paths)\ntrain = paths[:10]\n"
    assert _findings(unseeded, "DET303") == []
    for seeding in ("random.seed(0)\n", "set_seed(0)\n"):
        (finding,) = _findings(unseeded.replace("paths = ", seeding + "paths = "), "DET303")
        assert finding.confidence is Confidence.HIGH, seeding
        assert "shuffled with `random.shuffle`" in finding.message


def test_ci_scripts_in_hidden_directories_report_only_order_sensitive_comparisons():
    from detlint.testing import check_project

    kept = "import glob\nFILES = glob.glob('requirements/*.txt')\n"
    assert [f.code for f in check_project({"tools/assistant.py": kept})] == ["DET303"]
    assert [f.code for f in check_project({".github/assistant.py": kept})] == []
    compared = "import glob\nassert glob.glob('*.txt') == ['a.txt', 'b.txt']\n"
    assert [f.code for f in check_project({".github/check.py": compared})] == ["DET303"]


def test_a_column_taken_by_name_is_no_positional_use_but_keeps_the_order():
    source = """
        import os
        import pandas as pd
        def read(d):
            frame = pd.DataFrame()
            for name in os.listdir(d):
                frame = frame.append(pd.read_csv(os.path.join(d, name)))
            return frame
        def categories(d):
            return read(d)["category"].unique()
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace('["category"].unique()', '["category"][:5]'), "DET303")
    assert finding.span.line == 6 and "sliced by position" in finding.message


def test_a_comparison_that_is_not_a_mask_of_the_value_is_a_position():
    source = "import os\nfiles = os.listdir('d')\npick = files[len(files) > 1]\n"
    [finding] = _findings(source, "DET303")
    assert "indexed by position" in finding.message


def test_a_listing_given_to_dict_by_keyword_is_stored_not_dropped():
    source = "import os\ndef meta(d):\n    return dict(files=os.listdir(d), root=d)\n"
    [finding] = _findings(source, "DET303")
    assert "stored in a dict" in finding.message


def test_a_boolean_mask_keeps_the_order_without_using_it():
    source = """
        import numpy as np
        import tensorflow as tf
        commands = np.array(tf.io.gfile.listdir("data"))
        commands = commands[(commands != "README.md") & ~(commands == ".DS_Store")]
        print("Commands:", commands)
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace('print("Commands:", commands)', "label = commands[label_id]"), "DET303")
    assert finding.span.line == 4 and "indexed by position" in finding.message


def test_a_dict_built_from_pairs_is_judged_where_it_is_iterated():
    source = """
        def pairs(fields):
            for key in set(fields.split()):
                yield key, len(key)
        def lookup(fields):
            table = dict(pairs(fields))
            return table["a"]
    """
    assert _findings(source, "DET304") == []
    [finding] = _findings(source.replace('return table["a"]', "return list(table)[:3]"), "DET304")
    assert finding.span.line == 3


def test_a_method_named_like_a_dict_method_is_followed_despite_dicts_elsewhere():
    source = """
        import os
        class Folder:
            def items(self):
                for name in os.listdir(self.root):
                    yield name
            def first(self):
                return list(self.items())[:5]
        def values(d):
            return [v for k, v in d.items()]
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 5 and "sliced by position" in finding.message


def test_an_entry_of_a_collected_walk_compared_in_a_test_is_its_own_tuple():
    source = """
        import os, unittest
        class T(unittest.TestCase):
            def walk(self, top):
                return os.walk(top)
            def test_prune(self):
                entries = []
                for root, dirs, files in self.walk("d"):
                    entries.append((root, dirs, files))
                    if "SUB1" in dirs:
                        dirs.remove("SUB1")
                self.assertEqual(entries[0], ("d", ["SUB2"], ["tmp1"]))
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace('entries[0], ("d", ["SUB2"], ["tmp1"])', 'entries[0][1], ["SUB1", "SUB2"]'), "DET303")
    assert "compared item by item" in finding.message


def test_a_nested_generator_is_followed_out_to_its_enclosing_function():
    source = (
        "import os\ndef scandir(root):\n    def _scandir(path):\n        for entry in os.scandir(path):\n"
        "            yield entry.path\n    return _scandir(root)\n"
    )
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 4 and finding.confidence is Confidence.LOW
    assert "handed back by `scandir`" in finding.detail
    sliced = source + "files = list(scandir('d'))[:80]\n"
    [finding] = _findings(sliced, "DET303")
    assert finding.confidence is Confidence.HIGH and "sliced by position" in finding.message
    # recursion inside the nested function is no caller
    recursive = source.replace("yield entry.path", "yield entry.path\n            yield from _scandir(entry.path)")
    assert [f.confidence for f in _findings(recursive, "DET303")] == [Confidence.LOW]


# -- what ML repositories do with a listing without using its order ------------------------------------


def test_a_container_made_afresh_by_a_constructor_holds_that_items_data_only():
    source = """
        from collections import defaultdict
        def build(emotions, source, lines, out):
            for target in set(emotions) - {source}:
                by_speaker = defaultdict(lambda: defaultdict(list))
                for i, line in enumerate(lines):
                    by_speaker[line.split("/")[0]][line].append(i)
                write(out / f"{source}-{target}", by_speaker)
    """
    assert _findings(source, "DET304") == []
    # made once before the loop, it collects across the set's items
    shared = source.replace("            for target in", "            by_speaker = defaultdict(list)\n            for target in")
    shared = shared.replace("                by_speaker = defaultdict(lambda: defaultdict(list))\n", "")
    [finding] = _findings(shared, "DET304")
    assert "adds each item to `by_speaker" in finding.message


def test_entries_keyed_by_each_item_take_no_order_from_the_listing():
    source = """
        import os
        def agg(d):
            results = {"train": None, "val": None}
            for split in os.listdir(d):
                if results[split] is None:
                    results[split] = [load(split)]
                else:
                    results[split] += [load(split)]
            for key in results:
                results[key] = frame(results[key]).sort_values(NAMES, ascending=[True] * len(NAMES))
    """
    assert _findings(source, "DET303") == []
    # keyed by something else than the item, the entries collect items in listing order
    [finding] = _findings(source.replace("results[split] += [", "results[split[:3]] += ["), "DET303")
    assert "`results`, filled in that order, is passed to `frame(...)`" in finding.message


def test_a_count_is_a_position_only_when_the_loop_makes_it_grow():
    grows = """
        import os
        def ids(d):
            seen = []
            index = {}
            for name in os.listdir(d):
                seen.append(name)
                index[name] = len(seen)
            return index
    """
    [finding] = _findings(grows, "DET303")
    assert "fills `index` by position in that order" in finding.message
    # the length of each item's own lines, or of something the loop leaves alone, numbers nothing
    per_item = grows.replace("seen.append(name)", "seen = open(name).readlines()")
    assert _findings(per_item, "DET303") == []
    assert _findings(grows.replace("seen.append(name)", "pass").replace("seen = []", "seen = [0]"), "DET303") == []


def test_a_method_a_base_class_of_the_file_calls_is_judged_where_the_base_class_uses_it():
    template = """
        import os
        class Base:
            def __init__(self, folder, identifiers=None):
                if identifiers is None:
                    identifiers = self.get_identifiers(folder)
                identifiers.sort()
                self.identifiers = identifiers
            @staticmethod
            def get_identifiers(folder):
                raise NotImplementedError
        class Npz(Base):
            @staticmethod
            def get_identifiers(folder):
                return [i[:-4] for i in os.listdir(folder) if i.endswith("npz")]
    """
    assert _findings(template, "DET303") == []
    [finding] = _findings(template.replace("identifiers.sort()", "identifiers = identifiers[:10]"), "DET303")
    assert finding.span.line == 15 and "is sliced by position" in finding.message
    assert finding.confidence is Confidence.HIGH
    # a derived class that inherits the method calls the same definition
    inherited = textwrap.dedent(template) + (
        "class Child(Npz):\n    def first(self, folder):\n        return self.get_identifiers(folder)[:10]\n"
    )
    [finding] = _findings(inherited, "DET303")
    assert finding.span.line == 15 and "is sliced by position" in finding.message


def test_an_index_shown_on_a_progress_bar_numbers_nothing():
    source = """
        import os
        def convert(d, out, bar):
            for index, name in enumerate(os.listdir(d)):
                bar.update(index)
                resample(os.path.join(d, name), os.path.join(out, name))
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace("bar.update(index)", "ids.update({name: index})"), "DET303")
    assert "numbered with `enumerate`" in finding.message


def test_a_loop_that_never_reads_its_item_uses_no_order():
    source = """
        import glob
        from torch.utils.data import DataLoader, Dataset
        class Volumes(Dataset):
            def __init__(self, paths):
                self.paths = paths
            def __getitem__(self, i):
                return self.paths[i]
        def bench():
            loader = DataLoader(Volumes(glob.glob("*.nii")))
            for _ in loader:
                pass
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace("for _ in loader:", "for batch in loader:").replace("pass", "step(batch)"), "DET303")
    assert "`__getitem__`" in finding.message


def test_a_listing_is_followed_through_a_helpers_helper():
    # also when the script's main block called the outer function first, from one call deeper
    source = """
        import os
        def parse(files):
            entries = []
            for f in files:
                entries.append((int(f.split(".")[0]), f))
            return entries
        def last_n(files, n):
            return [entry[1] for entry in sorted(parse(files), reverse=True)[:n]]
        def prune(top):
            for root, _, files in os.walk(top):
                keep = last_n(files, 3)
                for f in files:
                    if f not in keep:
                        os.remove(os.path.join(root, f))
        if __name__ == "__main__":
            prune(".")
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace("sorted(parse(files), reverse=True)", "parse(files)"), "DET303")
    assert "is passed to `last_n(...)`, where `files` is sliced by position (`parse(files)[:n]`)" in finding.message


def test_an_object_of_the_file_called_where_it_is_made_is_read_for_what_it_does():
    source = """
        import glob
        class Pick:
            def __init__(self, n):
                self.n = n
            def __call__(self, files):
                return files[: self.n]
        def main():
            return Pick(3)(glob.glob("*.png"))
    """
    [finding] = _findings(source, "DET303")
    assert "is passed to `Pick(3)(...)`, where `files` is sliced by position" in finding.message
    # a call that only counts the files, through a zip of the one list that pairs nothing
    counted = source.replace("return files[: self.n]", "return sum(1 for (f,) in zip(files) if f.endswith('.png'))")
    assert _findings(counted, "DET303") == []


def test_a_file_opened_at_a_path_named_after_the_item_is_that_items_own_output():
    source = """
        import os
        def per_item(d, out):
            for name in os.listdir(d):
                open(os.path.join(out, name + ".txt"), "w").writelines(lines_of(name))
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace('os.path.join(out, name + ".txt"), "w"', 'out, "a"'), "DET303")
    assert "writes each item out in that order" in finding.message


def test_a_generator_yielding_tuples_hands_on_each_part_one_level_down():
    source = """
        import os, unittest
        class WalkTests(unittest.TestCase):
            def walk(self, top):
                return os.walk(top)
            def test_topdown(self):
                found = list(self.walk("d"))
                found[0][1].sort()
                self.assertEqual(found[0], ("d", ["a", "b"], ["f"]))
        class DecodedWalkTests(WalkTests):
            def walk(self, top):
                for root, dirs, files in os.walk(os.fsencode(top)):
                    yield (os.fsdecode(root), [os.fsdecode(d) for d in dirs], [os.fsdecode(f) for f in files])
    """
    def order_findings(text):
        return [f.span.line for f in check_source(textwrap.dedent(text), "test_walk.py") if f.code == "DET303"]

    # the first entry is a (root, dirs, files) tuple: comparing it compares no listing's order as a whole
    assert order_findings(source) == []
    compared = source.replace('self.assertEqual(found[0], ("d", ["a", "b"], ["f"]))', 'self.assertEqual(found[0][2], ["f", "g"])')
    assert order_findings(compared) == [12]


def test_the_operations_of_one_hub_commit_are_files_at_their_own_paths():
    source = """
        import glob
        from huggingface_hub import CommitOperationAdd, create_commit
        def upload(folder, repo):
            operations = []
            for path in glob.glob(folder + "/*.safetensors"):
                operations.append(CommitOperationAdd(path_in_repo=path[len(folder):], path_or_fileobj=path))
            create_commit(repo_id=repo, operations=operations, commit_message="weights")
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace("operations=operations", "operations=operations[:10]"), "DET303")
    assert "is sliced by position" in finding.message


def test_a_module_function_of_the_same_name_is_no_mention_of_the_files_function():
    source = """
        import os
        def walk(top):
            return [os.path.join(root, name) for root, _, names in os.walk(top) for name in names]
        def main():
            return sorted(walk("."))
        def count(top):
            return sum(len(names) for _, _, names in os.walk(top))
    """
    # `os.walk` in `count` is the os module's: `walk` is called only by `main`, which sorts
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace('sorted(walk("."))', 'walk(".")[:5]'), "DET303")
    assert finding.span.line == 4 and "is sliced by position" in finding.message


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # one file per label, filled in listing order; a writer that is not a file opened at the item's path
        (
            "import os\ndef f(d, out):\n    for name in os.listdir(d):\n"
            "        open(os.path.join(out, label_of(name) + '.txt'), 'a').write(name)\n",
            "writes each item out in that order",
        ),
        (
            "import os\ndef f(d):\n    for name in os.listdir(d):\n        get_writer(name).writerow([name])\n",
            "writes each item out in that order",
        ),
        # what a tracker's record computes is walked as usual
        (
            "import glob\ndef f(run, model):\n    files = glob.glob('val/*.png')\n"
            "    run.log({'acc': evaluate(model, files[:1000])})\n",
            "is sliced by position",
        ),
        # a dict named like a progress bar, and a bar told a dict, number the items
        (
            "import os, json\ndef f(d, out):\n    progress = {}\n    for i, name in enumerate(os.listdir(d)):\n"
            "        progress.update({name: i})\n    json.dump(progress, open(out, 'w'))\n",
            "numbered with `enumerate`",
        ),
        # an item read by a lambda's default or a nested function is read
        (
            "import os\ndef f(d):\n    out = []\n    for f in os.listdir(d):\n        out.append(lambda f=f: load(f))\n"
            "    return out[:4]\n",
            "is sliced by position",
        ),
        # Hub paths numbered in listing order
        (
            "import glob\nfrom huggingface_hub import CommitOperationAdd, create_commit\ndef f(folder, repo):\n"
            "    operations = []\n    for path in glob.glob(folder + '/*.parquet'):\n"
            "        operations.append(CommitOperationAdd(path_in_repo=f'train-{len(operations):05d}.parquet', "
            "path_or_fileobj=path))\n    create_commit(repo_id=repo, operations=operations)\n",
            "numbers the items in `operations` in that order",
        ),
        # a count kept by augmenting what the loop fills
        (
            "import os\ndef f(d):\n    seen = []\n    index = {}\n    for name in os.listdir(d):\n        seen += [name]\n"
            "        index[name] = len(seen)\n    return index\n",
            "fills `index` by position in that order",
        ),
    ],
    ids=["label-file", "writer", "tracker-argument", "progress-dict", "lambda-default", "hub-numbered", "augmented-count"],
)
def test_order_used_through_the_new_order_free_shapes_is_still_reported(source, reason):
    [finding] = _findings(source, "DET303")
    assert reason in finding.message


def test_a_base_named_through_another_module_is_not_the_files_class():
    source = """
        import os
        import plugins
        class Base:
            def __init__(self, root):
                self.count = len(self.list_files(root))
        class Images(plugins.Base):
            def list_files(self, root):
                return os.listdir(root)
    """
    [finding] = _findings(source, "DET303")
    assert finding.span.line == 9 and "returned to the caller" in finding.message
    assert _findings(source.replace("(plugins.Base)", "(Base)"), "DET303") == []


def test_a_part_of_a_tuple_item_is_no_key_of_its_own():
    source = """
        def f(pairs):
            by_speaker = {}
            for speaker, utt in set(pairs):
                by_speaker[speaker] += [utt]
            return [utterances[:2] for utterances in by_speaker.values()]
    """
    [finding] = _findings(source, "DET304")
    assert "`utterances` is sliced by position" in finding.message


# -- lists filled under the keys of a dict ----------------------------------------------------------------


def test_lists_grouped_under_keys_keep_the_listing_order_where_they_are_read():
    source = """
        import glob
        from collections import defaultdict
        def pick(root):
            groups = defaultdict(list)
            for path in glob.glob(root + "/*.png"):
                groups[path.split("_")[0]].append(path)
            return [files[:2] for files in groups.values()]
    """
    [finding] = _findings(source, "DET303")
    assert "`files` is sliced by position (`files[:2]`)" in finding.message
    # a value read by key, or through the dict's lookup methods
    by_key = source.replace("[files[:2] for files in groups.values()]", "groups[root][-1]")
    assert "is indexed by position (`groups[root][-1]`)" in _findings(by_key, "DET303")[0].message
    looked_up = source.replace("[files[:2] for files in groups.values()]", "groups.get(root, [])[-1]")
    assert "indexed by position" in _findings(looked_up, "DET303")[0].message
    # the values of its (key, value) pairs
    pairs = source.replace("[files[:2] for files in groups.values()]", "{k: v[:2] for k, v in groups.items()}")
    assert "`v` is sliced by position" in _findings(pairs, "DET303")[0].message
    # read in no way the order can show: each group's size, each group sorted
    assert _findings(source.replace("files[:2]", "len(files)").replace("return [", "return sum(["), "DET303") == []
    sized = source.replace("return [files[:2] for files in groups.values()]", "return {k: len(v) for k, v in groups.items()}")
    assert _findings(sized, "DET303") == []
    assert _findings(source.replace("files[:2]", "sorted(files)[:2]").replace("return [", "return sorted(["), "DET303") == []


def test_the_keys_of_a_dict_come_in_listing_order_unless_a_display_named_them():
    source = """
        import glob
        def first_groups(root):
            groups = {}
            for path in glob.glob(root + "/*.png"):
                groups.setdefault(path[:3], [])
                groups[path[:3]] += [path]
            for key in groups:
                groups[key] = sorted(groups[key])
            return list(groups)[:3]
    """
    # every value was sorted again, but the keys still come in the order first seen
    [finding] = _findings(source, "DET303")
    assert "is sliced by position" in finding.message
    fixed = source.replace("groups = {}", 'groups = {"cat": [], "dog": []}').replace(
        "                groups.setdefault(path[:3], [])\n", ""
    )
    assert _findings(fixed, "DET303") == []
    # values left in listing order
    unsorted = fixed.replace("list(groups)[:3]", "[files[:3] for files in groups.values()]")
    loop = "            for key in groups:\n                groups[key] = sorted(groups[key])\n"
    assert loop in unsorted
    assert _findings(unsorted.replace(loop, ""), "DET303")
    assert _findings(unsorted, "DET303") == []


def test_a_dict_made_elsewhere_or_a_fixed_field_is_filled_in_that_order_on_the_spot():
    source = """
        import glob
        def fill(groups, root):
            for path in glob.glob(root + "/*.png"):
                groups[path[:3]].append(path)
    """
    [finding] = _findings(source, "DET303")
    assert "adds each item to `groups[path[:3]]` in that order" in finding.message
    columns = """
        import glob
        def manifest(root):
            columns = {"id": [], "path": []}
            for path in glob.glob(root + "/*.wav"):
                columns["id"].append(path[:-4])
                columns["path"].append(path)
            return columns
    """
    [finding] = _findings(columns, "DET303")
    assert "adds each item to `columns[\"id\"]` in that order" in finding.message


def test_a_table_made_from_rows_in_listing_order_is_written_out_in_it():
    source = """
        import os
        import pandas as pd
        def index(d, out):
            rows = []
            for name in os.listdir(d):
                rows.append({"file": name})
            pd.DataFrame(rows).to_csv(out)
    """
    [finding] = _findings(source, "DET303")
    assert "is written out in that order with `.to_csv()`" in finding.message
    assert _findings(source.replace(".to_csv(out)", ".sort_values('file').to_csv(out)"), "DET303") == []
    # one row per group after an aggregate, whatever order the rows came in
    assert _findings(source.replace(".to_csv(out)", ".groupby('file').size().to_csv(out)"), "DET303") == []


def test_a_dict_of_lists_handed_back_by_helpers_is_read_by_key_where_it_arrives():
    source = """
        import collections
        from pathlib import Path

        def reverse_dependencies():
            reverse = collections.defaultdict(list)
            for module in Path("src").glob("**/*.py"):
                for dependency in imports_of(module):
                    reverse[dependency].append(module)
            return reverse

        def map_of_tests(reverse=None):
            if reverse is None:
                reverse = reverse_dependencies()
            return {module: [f for f in users if is_test(f)] for module, users in reverse.items()}

        def chosen_tests(modified):
            found = map_of_tests(reverse=reverse_dependencies())
            selected = []
            for f in modified:
                if f in found:
                    selected.extend(found[f])
            return sorted(set(selected))
    """
    assert _findings(source, "DET303") == []
    [finding] = _findings(source.replace("return sorted(set(selected))", "return selected[:5]"), "DET303")
    assert "is sliced by position (`selected[:5]`)" in finding.message


def test_a_monai_dataset_reads_its_data_by_position_where_it_is_loaded():
    source = """
        import os
        import monai
        from monai.data.dataset import GDSDataset

        def bench(root, transform):
            items = []
            for name in os.listdir(root):
                items.append({"image": os.path.join(root, name)})
            dataset = GDSDataset(data=items, transform=transform, cache_dir="cache")
            loader = monai.data.ThreadDataLoader(dataset, batch_size=1)
            for _ in loader:
                pass
    """
    # a timing loop that never reads a batch computes nothing from the order
    assert _findings(source, "DET303") == []
    training = source.replace("for _ in loader:\n                pass", "for batch in loader:\n                step(batch)")
    [finding] = _findings(training, "DET303")
    assert "is read by position by `GDSDataset(...)`" in finding.message


def test_a_helper_that_returns_the_order_as_an_element_hands_back_a_container_of_it():
    source = """
        def levels(edges):
            tree = ["root"]
            tree.append([edge for edge in edges if edge])
            return tree

        def show(names):
            tree = levels(list(set(name.lower() for name in names)))
            for index in range(1, len(tree)):
                print(sorted(tree[index]))
    """
    # `tree[index]` is a level, a list made in hash order, not an item the set's order picked
    assert _findings(source, "DET304") == []
    [finding] = _findings(source.replace("print(sorted(tree[index]))", "save(tree[index][:2])"), "DET304")
    assert "is sliced by position" in finding.message


_GROUPED = """
    import glob
    from collections import defaultdict
    def pick(root, key):
        by = defaultdict(list)
        for path in glob.glob(root):
            by[path[:3]].append(path)
        {use}
"""


@pytest.mark.parametrize(
    "use",
    [
        # sorting the pairs leaves each group in listing order
        "return [files[:3] for _, files in sorted(by.items())]",
        "return [files[:3] for files in sorted(by.values(), key=len)]",
        # handed through a helper of the file as the dict it is
        "return [files[:3] for _, files in same(by).items()]\n    def same(d):\n        return d",
        # an entry set before another loop fills it, or under a key that changed since
        "by[key] = []\n        for path in glob.glob(root):\n            by[key].append(path)\n        return by[key][:3]",
        "by[key] = sorted(by[key])\n        key += 'x'\n        return by[key][:3]",
        # a value sorted again only on some passes
        "for k in by:\n            if len(by[k]) > 100:\n                by[k] = sorted(by[k])\n"
        "        return {k: v[:3] for k, v in by.items()}",
        "for k in by:\n            if k.startswith('_'):\n                continue\n            by[k] = sorted(by[k])\n"
        "        return {k: v[:3] for k, v in by.items()}",
    ],
)
def test_grouped_lists_keep_their_order_until_each_is_sorted(use):
    source = _GROUPED.format(use=use)
    by_line = {finding.span.line: finding for finding in _findings(source, "DET303")}
    assert "is sliced by position" in by_line[6].message, source


def test_a_dict_read_as_its_keys_leaves_its_values_order_behind():
    source = """
        import glob, json
        def index(root, out):
            by = {"train": [], "val": []}
            for path in glob.glob(root):
                by[path.split("/")[0]].append(path)
            for i, split in enumerate(by):
                out.write(f"{i} {split}")
            json.dump(list(by), out)
    """
    assert _findings(source, "DET303") == []


def test_a_helper_that_makes_a_list_of_a_dicts_keys_hands_back_a_list():
    source = """
        import os
        def names(d):
            return list(d)
        def largest(root):
            sizes = {}
            for f in os.listdir(root):
                sizes[f] = os.path.getsize(f)
            return names(sizes)[:3]
    """
    [finding] = _findings(source, "DET303")
    assert "is sliced by position (`names(sizes)[:3]`)" in finding.message


def test_each_group_sorted_in_place_on_every_pass_leaves_no_order():
    sorted_in_place = _GROUPED.format(use="for k in by:\n            by[k].sort()\n        return {k: v[:3] for k, v in by.items()}")
    assert _findings(sorted_in_place, "DET303") == []
    # another method leaves the order as it was
    [finding] = _findings(sorted_in_place.replace("by[k].sort()", "by[k].append(key)"), "DET303")
    assert "is sliced by position" in finding.message
