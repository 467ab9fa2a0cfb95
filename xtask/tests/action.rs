//! The composite GitHub Action (`action.yml`): it parses, its inputs, outputs and step ids
//! agree, its expressions are GitHub's, and its `run:` steps, run one after another under bash
//! as the runner would (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_PATH files, the step's
//! `env:` with the inputs), install the binary with `cargo install` and run `qa` on a real
//! repository, wiring the reports and outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::actions_support;
use testkit::GitRepo;

fn action() -> Yaml {
    let path = testkit::workspace_root().join("action.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("action.yml is not YAML: {e}"))
        .remove(0)
}

fn steps(action: &Yaml) -> &[Yaml] {
    action["runs"]["steps"].as_vec().expect("runs.steps")
}

/// `${{ NAME.KEY }}`-style references of `text`, as (context, rest) pairs.
fn references(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("closed expression");
        let expr = after[..end].trim();
        if let Some((head, tail)) = expr.split_once('.') {
            out.push((head.to_string(), tail.to_string()));
        }
        rest = &after[end + 2..];
    }
    out
}

#[test]
fn the_action_is_consistent() {
    let action = action();
    let mut problems = actions_support::check_document(&action, "action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs: Vec<&str> = action["inputs"]
        .as_hash()
        .expect("inputs")
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    let text = std::fs::read_to_string(testkit::workspace_root().join("action.yml")).unwrap();
    for (head, tail) in references(&text) {
        if head == "inputs" && !inputs.contains(&tail.as_str()) {
            problems.push(format!("`inputs.{tail}` is not declared"));
        }
    }
    for (i, step) in steps(&action).iter().enumerate() {
        if let Some(script) = step["run"].as_str() {
            if step["shell"].as_str() != Some("bash") {
                problems.push(format!(
                    "step {i}: a composite run step needs `shell: bash`"
                ));
            }
            if script.contains("${{") {
                problems.push(format!(
                    "step {i}: an expression is pasted into the script (pass it through env:)"
                ));
            }
            if !step["if"].is_badvalue() {
                problems.push(format!(
                    "step {i}: a run step decides in its script, not in `if:` (that is what this test runs)"
                ));
            }
        } else if let Some(uses) = step["uses"].as_str() {
            let (_, version) = uses.split_once('@').expect("an action at a version");
            if !version.starts_with('v') {
                problems.push(format!("step {i}: `{uses}` is not at a release tag"));
            }
        } else {
            problems.push(format!("step {i}: neither `run` nor `uses`"));
        }
    }
    for (name, output) in action["outputs"].as_hash().expect("outputs") {
        let value = output["value"].as_str().unwrap_or("");
        if !value.starts_with("${{ steps.") {
            problems.push(format!(
                "output {}: its value is not a step's output",
                name.as_str().unwrap_or("?")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Step outputs of a `GITHUB_OUTPUT` file (`key=value` lines; no heredocs are written here).
fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Replaces each `${{ inputs.X }}` and `${{ steps.ID.outputs.K }}` of `value` (the only
/// expressions the action's `env:` and `working-directory:` use; anything else fails).
fn substitute(
    value: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after.find("}}").unwrap();
        let expr = after[..end].trim();
        let parts: Vec<&str> = expr.split('.').collect();
        let replaced = match parts.as_slice() {
            ["inputs", name] => inputs[*name].clone(),
            ["steps", id, "outputs", key] => outputs
                .get(*id)
                .and_then(|o| o.get(*key))
                .cloned()
                .unwrap_or_default(),
            _ => panic!("the test cannot evaluate `{expr}`"),
        };
        out.push_str(&replaced);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

struct Runner {
    temp: tempfile::TempDir,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    summary: PathBuf,
    path_file: PathBuf,
    /// Each run step's stdout and stderr, by id, of the latest run.
    logs: BTreeMap<String, String>,
}

impl Runner {
    fn new(overrides: &[(&str, &str)]) -> Runner {
        let action = action();
        let mut inputs = BTreeMap::new();
        for (name, input) in action["inputs"].as_hash().unwrap() {
            inputs.insert(
                name.as_str().unwrap().to_string(),
                input["default"].as_str().unwrap_or("").to_string(),
            );
        }
        for (k, v) in overrides {
            inputs.insert(k.to_string(), v.to_string());
        }
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(temp.path().join("home")).unwrap();
        std::fs::create_dir_all(temp.path().join("runner-temp")).unwrap();
        let summary = temp.path().join("step_summary.md");
        let path_file = temp.path().join("path.txt");
        Runner {
            temp,
            inputs,
            outputs: BTreeMap::new(),
            summary,
            path_file,
            logs: BTreeMap::new(),
        }
    }

    fn home(&self) -> PathBuf {
        self.temp.path().join("home")
    }

    /// Runs every step of the action in order as the runner would, `uses:` steps excepted,
    /// whose outputs are `uses_outputs`. Returns each run step's exit code by id.
    fn run(
        &mut self,
        workspace: &Path,
        uses_outputs: &[(&str, &str, &str)],
    ) -> BTreeMap<String, i32> {
        for (id, key, value) in uses_outputs {
            self.outputs
                .entry(id.to_string())
                .or_default()
                .insert(key.to_string(), value.to_string());
        }
        let action = action();
        let mut codes = BTreeMap::new();
        for step in steps(&action) {
            let Some(script) = step["run"].as_str() else {
                continue;
            };
            let id = step["id"]
                .as_str()
                .expect("every run step has an id")
                .to_string();
            let output_file = self.temp.path().join(format!("output-{id}"));
            std::fs::write(&output_file, "").unwrap();
            let dir = step["working-directory"]
                .as_str()
                .map(|d| substitute(d, &self.inputs, &self.outputs))
                .unwrap_or_else(|| ".".into());
            // As the runner runs `shell: bash`: `bash --noprofile --norc -eo pipefail FILE`.
            let script_file = self.temp.path().join(format!("step-{id}.sh"));
            std::fs::write(&script_file, script).unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(workspace.join(dir))
                .env("HOME", self.home())
                .env("CARGO_HOME", cargo_home())
                .env("RUSTUP_HOME", rustup_home())
                // The workspace's own build: `cargo install --profile dev` reuses it.
                .env("CARGO_TARGET_DIR", target_dir())
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_WORKSPACE", workspace)
                .env("GITHUB_ACTION_PATH", testkit::workspace_root())
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", &self.summary)
                .env("GITHUB_PATH", &self.path_file)
                .env("RUNNER_TEMP", self.temp.path().join("runner-temp"))
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("PATH", self.path())
                .env_remove("XTASK_INVOCATION")
                .env_remove("CARGO");
            if let Some(env) = step["env"].as_hash() {
                for (k, v) in env {
                    let v = v.as_str().unwrap_or("");
                    cmd.env(
                        k.as_str().unwrap(),
                        substitute(v, &self.inputs, &self.outputs),
                    );
                }
            }
            let out = cmd.output().unwrap();
            let code = out.status.code().unwrap_or(-1);
            let log = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            self.logs.insert(id.clone(), log);
            self.outputs.insert(id.clone(), read_outputs(&output_file));
            codes.insert(id, code);
        }
        codes
    }

    /// The job's PATH: what earlier steps added to GITHUB_PATH first, as the runner does.
    fn path(&self) -> std::ffi::OsString {
        let added = std::fs::read_to_string(&self.path_file).unwrap_or_default();
        let mut dirs: Vec<PathBuf> = added.lines().rev().map(PathBuf::from).collect();
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).unwrap()
    }
}

fn target_dir() -> PathBuf {
    // target/debug/xtask
    Path::new(env!("CARGO_BIN_EXE_xtask"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

fn real_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME").map_or_else(|| real_home().join(".cargo"), PathBuf::from)
}

fn rustup_home() -> PathBuf {
    std::env::var_os("RUSTUP_HOME").map_or_else(|| real_home().join(".rustup"), PathBuf::from)
}

fn repo_with_a_failing_gate() -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "xtask.toml",
        "[gates.ok]\nrun = [\"true\"]\n\n[gates.bad]\nrun = [\"false\"]\nowner = \"QA\"\n",
    )
    .commit("gates");
    repo
}

#[test]
fn the_action_installs_xtask_and_runs_qa_with_reports_and_outputs() {
    let repo = repo_with_a_failing_gate();
    let mut runner = Runner::new(&[("profile", "dev")]);
    // A first run: the cache is empty.
    let codes = runner.run(repo.root(), &[("cache", "cache-hit", "false")]);
    assert_eq!(codes["source"], 0, "{}", runner.logs["source"]);
    assert_eq!(codes["install"], 0, "{}", runner.logs["install"]);
    assert_eq!(
        codes["qa"], 1,
        "a failed gate fails the step: {}",
        runner.logs["qa"]
    );

    let key = runner.outputs["source"]["key"].clone();
    assert!(key.starts_with("xtask-Linux-X64-dev-"), "{key}");
    let installed = runner.home().join(".xtask-action/bin/xtask");
    assert!(installed.is_file(), "{} not installed", installed.display());

    let qa = &runner.outputs["qa"];
    assert_eq!(qa["outcome"], "fail");
    assert_eq!(qa["failed"], r#"["bad"]"#);
    for key in ["json", "markdown", "junit", "sarif"] {
        let path = repo.root().join(&qa[key]);
        assert!(path.is_file(), "{key} report {} missing", path.display());
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.root().join(&qa["json"])).unwrap())
            .unwrap();
    assert_eq!(report["outcome"], "fail");
    let summary = std::fs::read_to_string(&runner.summary).unwrap();
    assert!(summary.contains("bad"), "step summary: {summary}");

    // Every output of the action is one the steps wrote.
    let action = action();
    for (name, output) in action["outputs"].as_hash().unwrap() {
        let value = substitute(
            output["value"].as_str().unwrap(),
            &runner.inputs,
            &runner.outputs,
        );
        assert!(!value.is_empty(), "output {name:?} is empty");
    }

    // A second run restores the binary from the cache: nothing is built, and the gates
    // chosen by `args` run.
    runner
        .inputs
        .insert("args".into(), "ok\n  --no-cache".into());
    let codes = runner.run(repo.root(), &[("cache", "cache-hit", "true")]);
    assert_eq!(codes["install"], 0, "{}", runner.logs["install"]);
    assert!(runner.logs["install"].contains("restored from the cache"));
    assert_eq!(codes["qa"], 0, "{}", runner.logs["qa"]);
    assert_eq!(runner.outputs["qa"]["outcome"], "pass");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root().join(&runner.outputs["qa"]["json"])).unwrap(),
    )
    .unwrap();
    let ran: Vec<&str> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["ok"], "only the gate named in `args` ran");
    let key_again = &runner.outputs["source"]["key"];
    assert_eq!(&key, key_again, "the cache key is stable");
}

#[test]
fn the_action_installs_a_given_wheel_and_runs_qa_with_it() {
    let wheel = &crate::wheel_support::installed().wheel;
    let repo = repo_with_a_failing_gate();
    let mut runner = Runner::new(&[("wheel", wheel.to_str().unwrap())]);
    // With a wheel the cache step does not run (`if: inputs.wheel == ''`): no cache-hit.
    let codes = runner.run(repo.root(), &[]);
    assert_eq!(codes["install"], 0, "{}", runner.logs["install"]);
    let installed = runner.home().join(".xtask-action/bin/xtask");
    let target = std::fs::read_link(&installed).expect("the wheel's xtask is linked");
    assert!(
        target.starts_with(runner.temp.path().join("runner-temp/xtask-venv")),
        "{}",
        target.display()
    );
    assert_eq!(codes["qa"], 1, "{}", runner.logs["qa"]);
    assert_eq!(runner.outputs["qa"]["outcome"], "fail");
    assert_eq!(runner.outputs["qa"]["failed"], r#"["bad"]"#);
    let sarif = repo.root().join(&runner.outputs["qa"]["sarif"]);
    assert!(sarif.is_file(), "{}", sarif.display());
}

/// The docs' workflows that use the action (`uses: OWNER/REPO@TAG`) give it only inputs it
/// declares and read only outputs it sets.
#[test]
fn the_docs_use_the_action_as_declared() {
    let action = action();
    let declared = |section: &str| -> Vec<String> {
        action[section]
            .as_hash()
            .unwrap()
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    let (inputs, outputs) = (declared("inputs"), declared("outputs"));
    let root = testkit::workspace_root();
    let mut uses = 0;
    let mut read = 0;
    let mut problems = Vec::new();
    for doc in ["docs/ci.md", "docs/guides/adopting-qa-in-python.md"] {
        for (line, block) in actions_support::yaml_blocks(&root.join(doc)) {
            let yaml = YamlLoader::load_from_str(&block).unwrap().remove(0);
            for job in yaml["jobs"].as_hash().into_iter().flat_map(|j| j.values()) {
                let steps = job["steps"].as_vec().map(Vec::as_slice).unwrap_or(&[]);
                for step in steps {
                    if step["uses"].as_str() != Some("OWNER/REPO@TAG") {
                        continue;
                    }
                    uses += 1;
                    for key in step["with"].as_hash().into_iter().flat_map(|w| w.keys()) {
                        let key = key.as_str().unwrap_or("");
                        if !inputs.iter().any(|i| i == key) {
                            problems.push(format!("{doc}:{line}: no input `{key}`"));
                        }
                    }
                    let Some(id) = step["id"].as_str() else {
                        continue;
                    };
                    let prefix = format!("steps.{id}.outputs.");
                    for (at, _) in block.match_indices(&prefix) {
                        let name: String = block[at + prefix.len()..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                            .collect();
                        read += 1;
                        if !outputs.contains(&name) {
                            problems.push(format!("{doc}:{line}: no output `{name}`"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(uses >= 2, "only {uses} uses of the action in the docs");
    assert!(read >= 1, "no output of the action is read in the docs");
}
