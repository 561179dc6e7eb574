#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks deploy/: the CloudFormation template parses as YAML and every Ref/GetAtt/Sub names a
parameter, a resource or a pseudo parameter; the IAM policy parses and allows exactly the actions
hookd calls; the shell scripts parse; the cron and systemd files have what they promise.
Prints one line per failed check and exits non-zero on any."""
import json
import re
import subprocess
import sys

import yaml

deploy = sys.argv[1]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def construct(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tag(suffix, value)


yaml.SafeLoader.add_multi_constructor("!", construct)
with open(f"{deploy}/cloudformation.yaml") as f:
    template = yaml.safe_load(f)

params = set(template.get("Parameters", {}))
resources = template.get("Resources", {})
pseudo = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition", "AWS::StackId", "AWS::URLSuffix", "AWS::NoValue"}
if not resources:
    fail("cloudformation.yaml defines no resources")


def check_name(name, where):
    if name not in params and name not in resources and name not in pseudo:
        fail(f"cloudformation.yaml: {where} references '{name}', which is neither a parameter nor a resource")


def walk(node, where):
    if isinstance(node, Tag):
        if node.tag == "Ref":
            check_name(node.value, where)
        elif node.tag == "GetAtt":
            target = node.value.split(".")[0] if isinstance(node.value, str) else node.value[0]
            if target not in resources:
                fail(f"cloudformation.yaml: {where} GetAtt of unknown resource '{target}'")
        elif node.tag == "Sub":
            text = node.value if isinstance(node.value, str) else node.value[0]
            for var in re.findall(r"\$\{([^}!]+)\}", text):
                check_name(var.split(".")[0], where)
        walk(node.value, where)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref":
                check_name(v, where)
            elif k == "Fn::GetAtt":
                walk(Tag("GetAtt", v), where)
            elif k == "Fn::Sub":
                walk(Tag("Sub", v), where)
            else:
                walk(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}[{i}]")


walk(resources, "Resources")
walk(template.get("Outputs", {}), "Outputs")
for required in ("AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::IAM::InstanceProfile",
                 "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::AutoScalingGroup"):
    if not any(r.get("Type") == required for r in resources.values()):
        fail(f"cloudformation.yaml has no {required}")

# The actions hookd's clients call (src/aws/*.cpp), as IAM names: the batch forms share their
# single-message action, HeadObject is s3:GetObject, PutObject is `hookd cp`, PutLifecycleHook
# only with --create-hook.
hookd_actions = {
    "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
    "autoscaling:RecordLifecycleActionHeartbeat", "autoscaling:CompleteLifecycleAction",
    "autoscaling:DescribeLifecycleHooks", "autoscaling:DescribeAutoScalingInstances", "autoscaling:PutLifecycleHook",
    "s3:GetObject", "s3:PutObject",
}
with open(f"{deploy}/iam-policy.json") as f:
    policy = json.load(f)
allowed = set()
for st in policy["Statement"]:
    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    if st.get("Effect") != "Allow":
        fail(f"iam-policy.json: statement {st.get('Sid')} is not an Allow")
    if any("*" in a for a in actions):
        fail(f"iam-policy.json: statement {st.get('Sid')} uses a wildcard action")
    allowed.update(actions)
for a in sorted(hookd_actions - allowed):
    fail(f"iam-policy.json does not allow {a}, which hookd calls")
for a in sorted(allowed - hookd_actions):
    fail(f"iam-policy.json allows {a}, which hookd never calls")

# The drains' actions (src/aws/elbv2.cpp, src/aws/ecs.cpp) live in a policy of their own, added
# only when --drain is on; the template adds each drain's under a condition.
drain_actions = {
    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DeregisterTargets", "ecs:ListContainerInstances", "ecs:DescribeContainerInstances",
    "ecs:UpdateContainerInstancesState", "ecs:ListTasks", "ecs:DescribeTasks",
}
with open(f"{deploy}/iam-policy-drains.json") as f:
    drain_policy = json.load(f)
drain_allowed = set()
for st in drain_policy["Statement"]:
    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    if st.get("Effect") != "Allow" or any("*" in a for a in actions):
        fail(f"iam-policy-drains.json: statement {st.get('Sid')} is not an Allow of named actions")
    drain_allowed.update(actions)
if drain_allowed != drain_actions:
    fail(f"iam-policy-drains.json: allows {sorted(drain_allowed - drain_actions)}, lacks {sorted(drain_actions - drain_allowed)}")
for name, cond in (("DrainElbv2Policy", "DrainElbv2"), ("DrainEcsPolicy", "DrainEcs")):
    if resources.get(name, {}).get("Condition") != cond:
        fail(f"cloudformation.yaml: {name} must exist under condition {cond}")

# The Drains parameter reaches hookd: the user data hands it to bootstrap.sh (its fourth argument),
# which writes it as HOOKD_DRAIN; without that, the role would get the drains' permissions and
# hookd would never drain.
user_data = resources.get("LaunchTemplate", {}).get("Properties", {}).get("LaunchTemplateData", {}).get("UserData")
sub = user_data.get("Fn::Base64") if isinstance(user_data, dict) else None
user_data_text = sub.value if isinstance(sub, Tag) and isinstance(sub.value, str) else ""
call = [l for l in user_data_text.splitlines() if "bootstrap.sh" in l and l.strip().startswith("sh ")]
if not call or re.findall(r"'[^']*'", call[0])[3:4] != ["'${Drains}'"]:
    fail("cloudformation.yaml: the user data does not pass '${Drains}' as bootstrap.sh's fourth argument")
bootstrap = open(f"{deploy}/bootstrap.sh").read()
if 'drains=${4:-}' not in bootstrap or "export HOOKD_DRAIN='$drains'" not in bootstrap:
    fail("bootstrap.sh does not write its fourth argument (DRAINS) as HOOKD_DRAIN into hookd.conf")

for script in ("bootstrap.sh", "on-terminate.example.sh"):
    r = subprocess.run(["sh", "-n", f"{deploy}/{script}"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{script} does not parse: {r.stderr.strip()}")

cron = open(f"{deploy}/cron").read()
if "@reboot" not in cron or "*/5" not in cron:
    fail("cron lacks the @reboot line or the */5 watchdog line")
unit = open(f"{deploy}/systemd/hookd.service").read()
for key in ("Type=notify", "NotifyAccess=main", "WatchdogSec=", "ExecStart=/usr/bin/hookd ", "Restart=on-failure",
            "TimeoutStopSec=", "EnvironmentFile=-/etc/hookd/hookd.env"):
    if key not in unit:
        fail(f"hookd.service lacks {key}")
# SIGHUP only reopens --log-file: a `systemctl reload` would promise a configuration reread.
if "ExecReload=" in unit:
    fail("hookd.service has ExecReload=, but hookd rereads nothing on SIGHUP")

print(f"{len(failures)} failed, checks done" if failures else "deploy/: all checks passed")
sys.exit(1 if failures else 0)
