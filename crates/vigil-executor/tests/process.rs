//! The process runner with agents the tests write: timeouts that kill the
//! whole group, recurring monitors, cancellation, secrets, parameters with
//! shell metacharacters, LSB scripts and daemons left behind.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TempDir, eventually, group_members, private_runner, script};
use vigil_executor::{AgentSpec, ExecStatus, OcfRc, Operation};

fn ocf_test(name: &str) -> AgentSpec {
    AgentSpec::ocf("vigiltest", name)
}

#[test]
fn a_timeout_kills_the_whole_group_even_when_it_ignores_sigterm() {
    let dir = TempDir::new("timeout");
    let pidfile = dir.join("pgid");
    // The agent and its children ignore SIGTERM: only SIGKILL ends them.
    script(
        &dir.join("ocf/resource.d/vigiltest/Sleeper"),
        &format!(
            "#!/bin/sh\ntrap '' TERM\necho $$ > {}\nsleep 60 &\nsleep 60 &\nsleep 60\n",
            pidfile.display()
        ),
    );
    let mut runner = private_runner(&dir, Duration::from_millis(200));
    let started = Instant::now();
    let r = runner
        .run(Operation::new("s", ocf_test("Sleeper"), "start").timeout(Duration::from_millis(300)));
    assert_eq!(
        (r.status, r.rc),
        (ExecStatus::TimedOut, OcfRc::ERR_GENERIC),
        "{r:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it did not wait for the sleeps"
    );
    let pgid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(5), || group_members(pgid).is_empty()),
        "processes left in group {pgid}: {:?}",
        group_members(pgid)
    );
}

#[test]
fn a_timeout_that_obeys_sigterm_ends_without_waiting_for_the_grace() {
    let dir = TempDir::new("timeout-term");
    script(
        &dir.join("ocf/resource.d/vigiltest/Slow"),
        "#!/bin/sh\nsleep 60\n",
    );
    let mut runner = private_runner(&dir, Duration::from_secs(30));
    let r = runner
        .run(Operation::new("s", ocf_test("Slow"), "stop").timeout(Duration::from_millis(200)));
    assert_eq!(r.status, ExecStatus::TimedOut);
    assert!(r.exec_time < Duration::from_secs(10), "{:?}", r.exec_time);
}

#[test]
fn a_daemon_left_by_start_survives_and_does_not_hold_the_result() {
    let dir = TempDir::new("daemon");
    let pidfile = dir.join("daemon.pid");
    // An LSB script whose start leaves a daemon with our stdout and stderr
    // still open: the result must come at once, and the daemon must live.
    script(
        &dir.join("init.d/sleepd"),
        &format!(
            r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          sleepd
# Short-Description: A daemon that sleeps
# Description:       Sleeps, for the tests.
### END INIT INFO
PIDFILE={pid}
case "$1" in
start)
    if [ -f $PIDFILE ] && kill -0 $(cat $PIDFILE) 2>/dev/null; then exit 0; fi
    sleep 300 &
    echo $! > $PIDFILE
    echo started
    exit 0 ;;
stop)
    [ -f $PIDFILE ] && kill $(cat $PIDFILE) 2>/dev/null
    rm -f $PIDFILE
    exit 0 ;;
status)
    if [ -f $PIDFILE ]; then
        kill -0 $(cat $PIDFILE) 2>/dev/null && exit 0
        exit 1
    fi
    exit 3 ;;
*) exit 3 ;;
esac
"#,
            pid = pidfile.display()
        ),
    );
    let mut runner = private_runner(&dir, Duration::from_secs(2));
    let lsb = |action: &str| Operation::new("sleepd", "lsb:sleepd".parse().unwrap(), action);
    assert_eq!(runner.run(lsb("monitor")).rc, OcfRc::NOT_RUNNING);
    let r = runner.run(lsb("start"));
    assert_eq!((r.rc, r.stdout.trim()), (OcfRc::OK, "started"));
    assert!(r.exec_time < Duration::from_secs(10), "{:?}", r.exec_time);
    let daemon: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(std::path::Path::new(&format!("/proc/{daemon}")).exists());
    assert_eq!(runner.run(lsb("monitor")).rc, OcfRc::OK);
    assert_eq!(runner.run(lsb("promote")).rc, OcfRc::ERR_UNIMPLEMENTED);
    assert_eq!(runner.run(lsb("stop")).rc, OcfRc::OK);
    assert!(eventually(
        Duration::from_secs(5),
        || !std::path::Path::new(&format!("/proc/{daemon}/cmdline")).exists()
            || std::fs::read(format!("/proc/{daemon}/cmdline")).is_ok_and(|c| c.is_empty())
    ));
    // A pid file whose process is gone: LSB status 1, not running.
    std::fs::write(&pidfile, "999999999\n").unwrap();
    let r = runner.run(lsb("monitor"));
    assert_eq!((r.rc, r.agent_exit_code()), (OcfRc::NOT_RUNNING, Some(1)));
    assert_eq!(runner.run(lsb("stop")).rc, OcfRc::OK);
    // Its meta-data comes from the INIT INFO header.
    let r = runner.run(lsb("meta-data"));
    let md = vigil_executor::Metadata::parse(&r.stdout).unwrap();
    assert_eq!(
        (md.shortdesc.as_str(), md.longdesc.as_str()),
        ("A daemon that sleeps", "Sleeps, for the tests.")
    );
}

/// An agent with a state file, which a recurring monitor watches.
fn stateful_agent(dir: &TempDir) {
    script(
        &dir.join("ocf/resource.d/vigiltest/File"),
        r#"#!/bin/sh
case "$1" in
start) touch "$OCF_RESKEY_file"; exit 0 ;;
stop) rm -f "$OCF_RESKEY_file"; exit 0 ;;
monitor) [ -f "$OCF_RESKEY_file" ] && exit 0; exit 7 ;;
*) exit 3 ;;
esac
"#,
    );
}

#[test]
fn a_recurring_monitor_notices_the_resource_died() {
    let dir = TempDir::new("recurring");
    stateful_agent(&dir);
    let file = dir.join("alive");
    let mut runner = private_runner(&dir, Duration::from_secs(1));
    let op = |action: &str| {
        Operation::new("f", ocf_test("File"), action).param("file", &file.display().to_string())
    };
    let r = runner.run(op("start"));
    assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    let call = runner.submit(op("monitor").interval(Duration::from_millis(100)));
    let first = runner.next_result(None).unwrap();
    assert_eq!((first.call_id, first.rc), (call, OcfRc::OK));
    std::fs::remove_file(&file).unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(r) = runner.next_result(Some(deadline)) {
        assert_eq!(r.call_id, call);
        seen.push(r.rc);
        if r.rc == OcfRc::NOT_RUNNING {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&OcfRc::NOT_RUNNING), "{seen:?}");
    assert!(runner.cancel(call));
    let r = runner.next_result(None).unwrap();
    assert_eq!((r.call_id, r.status), (call, ExecStatus::Cancelled));
    assert_eq!(runner.pending(), 0);
    assert!(
        runner
            .next_result(Some(Instant::now() + Duration::from_millis(300)))
            .is_none()
    );
}

#[test]
fn operations_on_one_resource_never_overlap() {
    let dir = TempDir::new("serial");
    let log = dir.join("log");
    script(
        &dir.join("ocf/resource.d/vigiltest/Slowish"),
        &format!(
            "#!/bin/sh\necho \"begin $1\" >> {log}\nsleep 0.1\necho \"end $1\" >> {log}\n",
            log = log.display()
        ),
    );
    let mut runner = private_runner(&dir, Duration::from_secs(1));
    for action in ["start", "monitor", "stop"] {
        runner.submit(Operation::new("r", ocf_test("Slowish"), action));
    }
    let results: Vec<_> = std::iter::from_fn(|| runner.next_result(None)).collect();
    assert_eq!(results.len(), 3);
    assert!(
        results[1].queue_time >= Duration::from_millis(90),
        "{:?}",
        results[1].queue_time
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "begin start\nend start\nbegin monitor\nend monitor\nbegin stop\nend stop\n"
    );
}

#[test]
fn cancelling_a_running_operation_kills_it() {
    let dir = TempDir::new("cancel");
    script(
        &dir.join("ocf/resource.d/vigiltest/Slow"),
        "#!/bin/sh\nsleep 60\n",
    );
    let mut runner = private_runner(&dir, Duration::from_secs(2));
    let call = runner.submit(Operation::new("s", ocf_test("Slow"), "start"));
    let queued = runner.submit(Operation::new("s", ocf_test("Slow"), "stop"));
    assert!(
        runner
            .next_result(Some(Instant::now() + Duration::from_millis(200)))
            .is_none()
    );
    assert!(runner.cancel(queued));
    let r = runner.next_result(None).unwrap();
    assert_eq!((r.call_id, r.status), (queued, ExecStatus::Cancelled));
    assert!(runner.cancel(call));
    let r = runner.next_result(None).unwrap();
    assert_eq!((r.call_id, r.status), (call, ExecStatus::Cancelled));
    assert!(r.exec_time < Duration::from_secs(30));
}

/// An agent that records exactly what it was given.
fn recorder(dir: &TempDir) {
    script(
        &dir.join("ocf/resource.d/vigiltest/Recorder"),
        &format!(
            "#!/bin/sh\nprintf '%s' \"$OCF_RESKEY_value\" > {}\nprintf '%s' \"$OCF_RESKEY_password\" > {}\necho \"my password is $OCF_RESKEY_password\"\nexit 0\n",
            dir.join("value").display(),
            dir.join("password").display()
        ),
    );
    script(
        &dir.join("sbin/fence_recorder"),
        &format!("#!/bin/sh\ncat > {}\nexit 0\n", dir.join("stdin").display()),
    );
}

const NASTY: &str =
    "a b;$(touch /tmp/vigil-pwned)`touch /tmp/vigil-pwned`'\"|&><*?~\\ ${HOME} \t%s";

#[test]
fn shell_metacharacters_reach_the_agent_intact_and_harmless() {
    let dir = TempDir::new("nasty");
    recorder(&dir);
    let mut runner = private_runner(&dir, Duration::from_secs(1));
    let r = runner.run(Operation::new("r", ocf_test("Recorder"), "start").param("value", NASTY));
    assert_eq!(r.rc, OcfRc::OK);
    assert_eq!(std::fs::read_to_string(dir.join("value")).unwrap(), NASTY);
    // A fence agent gets the same value on its stdin line.
    let r = runner.run(
        Operation::new("f", "stonith:fence_recorder".parse().unwrap(), "off")
            .param("plug", "node1")
            .param("value", NASTY),
    );
    assert_eq!(r.rc, OcfRc::OK);
    assert_eq!(
        std::fs::read_to_string(dir.join("stdin")).unwrap(),
        format!("action=off\nplug=node1\nvalue={NASTY}\n")
    );
    assert!(!std::path::Path::new("/tmp/vigil-pwned").exists());
    // A line break would smuggle another parameter in: refused, not run.
    let r = runner.run(
        Operation::new("f", "stonith:fence_recorder".parse().unwrap(), "status")
            .param("plug", "node1\naction=off"),
    );
    assert_eq!(r.rc, OcfRc::ERR_ARGS);
    assert_eq!(r.exit, None, "nothing ran");
}

#[test]
fn secrets_reach_the_agent_but_are_never_logged() {
    let dir = TempDir::new("secret");
    recorder(&dir);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let mut runner = private_runner(&dir, Duration::from_secs(1))
        .with_log(move |l| sink.lock().unwrap().push(l.to_string()));
    let op = Operation::new("r", ocf_test("Recorder"), "start")
        .param("password", "Hunter2-Top")
        .param("value", "Other-Secret")
        .secret("value");
    assert!(!format!("{op:?}").contains("Hunter2-Top"));
    let r = runner.run(op);
    assert_eq!(r.rc, OcfRc::OK);
    assert_eq!(
        std::fs::read_to_string(dir.join("password")).unwrap(),
        "Hunter2-Top"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("value")).unwrap(),
        "Other-Secret"
    );
    let logged = lines.lock().unwrap().join("\n");
    assert!(
        logged.contains("password=*****") && logged.contains("value=*****"),
        "{logged}"
    );
    assert!(
        !logged.contains("Hunter2-Top") && !logged.contains("Other-Secret"),
        "{logged}"
    );
    // The agent echoed it; the kept output has it masked.
    assert_eq!(r.stdout.trim(), "my password is *****");
    assert!(!format!("{r:?}").contains("Hunter2-Top"));
}

#[test]
fn an_agent_written_just_now_runs_while_other_threads_fork() {
    // A script's write descriptor can be inherited for a moment by a child
    // another thread forks; exec then fails with ETXTBSY. The runner tries
    // again rather than reporting the agent broken.
    let dir = TempDir::new("txtbsy");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let forker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::process::Command::new("/bin/true").status();
            }
        })
    };
    let mut runner = private_runner(&dir, Duration::from_secs(1));
    for i in 0..40 {
        let name = format!("Fresh{i}");
        script(
            &dir.join(&format!("ocf/resource.d/vigiltest/{name}")),
            "#!/bin/sh\nexit 0\n",
        );
        let r = runner.run(Operation::new("r", ocf_test(&name), "start"));
        assert_eq!(r.rc, OcfRc::OK, "{r:?}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    forker.join().unwrap();
}
