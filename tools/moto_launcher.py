# moto's S3 server for tests and benchmarks (Tests/CortexTesting/MotoServer.swift, tools/bench/backup/run.py).
# Run with .venv's python: `python -I tools/moto_launcher.py PORT BUCKET` (PORT 0 picks a free one).
# Unblocks every signal first (the inherited mask blocks SIGTERM and SIGINT, so a plain `kill PID` would do
# nothing), starts ThreadedMotoServer, creates the IAM user, policy and key (the first three calls, which moto
# lets through unauthenticated when INITIAL_NO_AUTH_ACTION_COUNT=3) and the bucket, prints
# `port N KEY SECRET` once the bucket exists, then sends later standard output to standard error (the log)
# and waits for standard input to close: the server dies with its parent.
import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, set())
import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
host, port = server.get_host_and_port()
endpoint = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
iam = boto3.client("iam", **endpoint)
iam.create_user(UserName="cortex")
policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
iam.put_user_policy(UserName="cortex", PolicyName="s3", PolicyDocument=policy)
key = iam.create_access_key(UserName="cortex")["AccessKey"]
boto3.client("s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], **endpoint).create_bucket(Bucket=sys.argv[2])
sys.stdout.write(f"port {port} {key['AccessKeyId']} {key['SecretAccessKey']}\n")
sys.stdout.flush()
os.dup2(2, 1)
sys.stdin.buffer.read()
os._exit(0)
