/**
 * The pieces of `npm test` (tests/run-all.sh) that are not jest: the choice of a Python with
 * jsonschema (tests/find-python.sh) and the log_config runner that counts passed and failed
 * tests and names the test modules it could not import (tests/run-python.py).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const FIND_PYTHON = path.join(ROOT, "tests", "find-python.sh");
const RUN_PYTHON = path.join(ROOT, "tests", "run-python.py");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "test-runner-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** An executable stand-in for a Python: `-c 'import jsonschema'` succeeds only if `hasJsonschema`. */
function fakePython(dir: string, name: string, hasJsonschema: boolean): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nexit ${hasJsonschema ? 0 : 1}\n`, { mode: 0o755 });
  return file;
}

function findPython(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [FIND_PYTHON], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("find-python.sh", () => {
  it("uses FLIP_TEST_PYTHON when it can import jsonschema", () => {
    const python = fakePython(tmp, "my-python", true);
    expect(findPython({ FLIP_TEST_PYTHON: python })).toEqual({ status: 0, stdout: `${python}\n`, stderr: "" });
  });

  it("refuses a FLIP_TEST_PYTHON without jsonschema in one line that names the package, instead of trying another", () => {
    fakePython(path.join(tmp, "bin"), "python3", true);
    const python = fakePython(tmp, "my-python", false);
    const r = findPython({ FLIP_TEST_PYTHON: python, PATH: `${path.join(tmp, "bin")}:${process.env.PATH}` });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([expect.stringContaining(`FLIP_TEST_PYTHON=${python} cannot import jsonschema`), ""]);
    expect(r.stderr).toContain("apt-get install python3-jsonschema");
  });

  it("takes python3 on PATH before /usr/bin/python3 when it can import jsonschema", () => {
    const python = fakePython(path.join(tmp, "bin"), "python3", true);
    expect(findPython({ PATH: `${path.join(tmp, "bin")}:${process.env.PATH}` })).toEqual({ status: 0, stdout: `${python}\n`, stderr: "" });
  });
});

describe("run-python.py", () => {
  /** A project folder with tests/python holding these modules; returns the runner's result and counts. */
  function runSuite(modules: Record<string, string>): { status: number | null; stdout: string; counts: string } {
    const dir = path.join(tmp, "tests", "python");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "__init__.py"), "");
    for (const [name, source] of Object.entries(modules)) fs.writeFileSync(path.join(dir, name), source);
    const counts = path.join(tmp, "counts");
    const r = spawnSync("python3", [RUN_PYTHON, counts], { cwd: tmp, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, counts: fs.existsSync(counts) ? fs.readFileSync(counts, "utf8") : "" };
  }

  const PASSING = "import unittest\nclass T(unittest.TestCase):\n    def test_a(self): pass\n    def test_b(self): pass\n";
  const FAILING = "import unittest\nclass U(unittest.TestCase):\n    def test_c(self): self.fail('no')\n";

  it("counts passed and failed tests", () => {
    expect(runSuite({ "test_ok.py": PASSING, "test_bad.py": FAILING })).toEqual({ status: 1, stdout: "", counts: "2 1 -\n" });
  });

  it("exits 0 when every test passes", () => {
    expect(runSuite({ "test_ok.py": PASSING })).toEqual({ status: 0, stdout: "", counts: "2 0 -\n" });
  });

  it("reports test modules that cannot be imported as such, not as failed tests", () => {
    const r = runSuite({
      "test_ok.py": PASSING,
      "test_syntax.py": "def broken(:\n",
      "test_missing.py": "import no_such_module_here\n",
    });
    expect(r).toEqual({
      status: 1,
      stdout: "python: 2 test modules could not be imported: test_missing, test_syntax\n",
      counts: "2 0 tests.python.test_missing,tests.python.test_syntax\n",
    });
  });

  it("counts a suite with no tests as a failure", () => {
    expect(runSuite({})).toEqual({ status: 1, stdout: "python: no tests found under tests/python\n", counts: "0 1 -\n" });
  });
});
