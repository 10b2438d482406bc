#!/usr/bin/env bash
# End-to-end test of sharded dedup on a real engine: starts a single-node
# Slurm cluster on loopback (munge + slurmctld + slurmd, private config, as
# in shared/recipes/slurm-single-node.md), runs tools/winnow-slurm over real
# corpora split into 4 shards, and compares the result with one winnow run.
# Needs Debian 12 and root; installs slurm-wlm and munge if missing. Stops
# everything it started, also on failure or SIGTERM. Usage:
#   .ci/slurm-test.sh [WINNOW]     (default build/winnow)
set -euo pipefail
cd "$(dirname "$0")/.."
winnow=$(realpath "${1:-build/winnow}")
CTLD_PORT=${CTLD_PORT:-6817} SLURMD_PORT=${SLURMD_PORT:-6818}

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

W=$(mktemp -d /tmp/winnow-slurm.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W"/{munge,state,spool,log,data}
PIDS=()
passed=0 failed=0
cleanup() {
	rc=$?
	set +e
	if [ -n "${SLURM_CONF:-}" ] && [ ${#PIDS[@]} -ge 2 ]; then
		scancel --quiet --user=root 2>/dev/null
		for _ in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	if [ $rc -ne 0 ]; then tail -n 20 "$W"/log/*.log "$W"/data/*/work/log/*.log >&2 2>/dev/null; fi
	rm -rf "$W"
	[ $rc -eq 0 ] || echo "slurm: $passed passed, $((failed + 1)) failed"
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

mungekey -c -k "$W/munge/munge.key"
munged -F --key-file "$W/munge/munge.key" --socket "$W/munge/munge.sock" \
	--pid-file "$W/munge/munged.pid" --log-file "$W/log/munged.log" \
	--seed-file "$W/munge/munged.seed" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$W/munge/munge.sock" ] && break; sleep 0.1; done

H=$(hostname -s)
cat > "$W/slurm.conf" <<CONF
ClusterName=winnow
SlurmctldHost=${H}(127.0.0.1)
SlurmctldPort=${CTLD_PORT}
SlurmdPort=${SLURMD_PORT}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/munge/munge.sock
SlurmUser=root
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=${H} NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$W/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >/dev/null 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >/dev/null 2>&1 &
PIDS+=($!)
for i in $(seq 120); do
	[ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ] && break
	[ "$i" = 120 ] && { echo "slurm: node never became idle" >&2; sinfo -N >&2; exit 1; }
	sleep 0.25
done

# One case: shards of a corpus, winnow options; the sharded output through
# Slurm must equal one run over the shards.
check() {
	local name=$1 corpus=$2
	shift 2
	local d=$W/data/$name
	mkdir -p "$d"
	split -n l/4 -d -a 1 "$corpus" "$d/shard-"
	ls "$d"/shard-? > "$d/list"
	if tools/winnow-slurm --wait --parts=3 --winnow="$winnow" "$d/list" "$d/work" "$d/out" \
		-- "$@" >"$d/driver.log" 2>&1 &&
		cat "$d"/out/0000?.txt > "$d/sharded" &&
		"$winnow" --no-near "$@" "$d"/shard-? > "$d/single" && cmp -s "$d/sharded" "$d/single" &&
		[ "$(wc -l < "$d/single")" -lt "$(cat "$d"/shard-? | wc -l)" ]; then
		echo "slurm: ok: $name: $(wc -l < "$d/single") of $(cat "$d"/shard-? | wc -l) lines kept, same as one run"
		passed=$((passed + 1))
	else
		echo "slurm: FAILED: $name" >&2
		cat "$d/driver.log" >&2
		failed=$((failed + 1))
	fi
}
check aeb tests/data/aeb-25.txt
check dolma-exact tests/data/dolma-0000.lynx.wet --key=exact --min-chars=1
cat tests/data/aeb-25.txt tests/data/dolma-0000.lynx.wet > "$W/both.txt"
check both "$W/both.txt"

# A failing first step must fail the whole run, not leave cancelled jobs
# that "exit 0".
mkdir -p "$W/data/bad"
printf '%s\n' "$W/data/bad/missing-shard" > "$W/data/bad/list"
if tools/winnow-slurm --wait --winnow="$winnow" "$W/data/bad/list" "$W/data/bad/work" \
	"$W/data/bad/out" >"$W/data/bad/driver.log" 2>&1; then
	echo "slurm: FAILED: a missing shard did not fail the run" >&2
	failed=$((failed + 1))
elif grep -q 'JobState=' "$W/data/bad/driver.log"; then
	echo "slurm: ok: a missing shard fails the run ($(grep -c JobState= "$W/data/bad/driver.log") tasks not completed)"
	passed=$((passed + 1))
else
	echo "slurm: FAILED: no task states reported" >&2
	cat "$W/data/bad/driver.log" >&2
	failed=$((failed + 1))
fi

echo "slurm: $passed passed, $failed failed"
[ "$failed" = 0 ]
