"""Static snapshots: what the API serves, written once per change, linked from a small pointer, on disk and S3."""

import json

from conftest import CONTEST, TPS, clean_result
from typer.testing import CliRunner

from rekap.cli.main import app as cli
from rekap.services import snapshots

OTHER_TPS = "31.01.01.1001-001"  # Kepulauan Seribu: another kab/kota than TPS's Gambir


def submit(client, token, tps=TPS, **kw):
    r = client.post("/api/v1/submissions", json={"tps": tps, "contest": CONTEST, "result": clean_result(**kw)},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text


def read(sink, key):
    return json.loads(sink.read(key))


def root_of(sink):
    return read(sink, read(sink, "current.json")["contests"][CONTEST]["root"])


def test_snapshot_is_what_the_api_serves(client, rekap, officer_token, tmp_path):
    submit(client, officer_token)
    sink = snapshots.DirectorySink(tmp_path / "public")
    done = rekap.publisher.publish(sink)
    pointer = read(sink, "current.json")
    assert pointer["version"] == done.version == rekap.public_log.head().seq
    assert pointer["contests"][CONTEST]["candidates"][0]["number"] == 2
    for region in ("31", "31.71", "31.71.01", "31.71.01.1001"):
        api = client.get(f"/api/v1/contests/{CONTEST}/totals/{region}").json()
        assert read(sink, snapshots.totals_key(CONTEST, region, api["last_seq"])) == api


def test_every_child_link_leads_to_a_file(client, rekap, officer_token, tmp_path):
    submit(client, officer_token)
    submit(client, officer_token, tps=OTHER_TPS, dpt=300, votes=(100, 120))
    sink = snapshots.DirectorySink(tmp_path / "public")
    rekap.publisher.publish(sink)
    todo, seen = [root_of(sink)], 0
    while todo:
        node = todo.pop()
        seen += 1
        for child in node["children"]:
            if child["last_seq"]:  # 0: nothing was ever counted there, so there is no file
                todo.append(read(sink, snapshots.totals_key(CONTEST, child["region"]["code"], child["last_seq"])))
    assert seen > 8


def test_republish_writes_only_the_path_that_changed(client, rekap, officer_token, tmp_path):
    submit(client, officer_token)
    sink = snapshots.DirectorySink(tmp_path / "public")
    first = rekap.publisher.publish(sink)
    assert rekap.publisher.publish(sink).files == 0

    submit(client, officer_token, tps=OTHER_TPS, dpt=300, votes=(100, 120))
    second = rekap.publisher.publish(sink)
    assert (second.previous, second.files) == (first.version, 4)  # kelurahan, kecamatan, kab/kota, province
    changed = read(sink, f"versions/{second.version}.json")["totals"][CONTEST]
    assert sorted(changed) == ["31", "31.01", "31.01.01", "31.01.01.1001"]
    assert root_of(sink)["progress"]["tps_reported"] == 2


def test_a_pointer_from_another_log_means_a_full_publish(client, rekap, officer_token, tmp_path):
    submit(client, officer_token)
    sink = snapshots.DirectorySink(tmp_path / "public")
    sink.write([("current.json", json.dumps({"version": 3, "head_hash": "not-this-log"}).encode())], snapshots.SHORT)
    assert rekap.publisher.publish(sink).previous == 0


def test_publish_command_writes_a_directory(client, rekap, officer_token, tmp_path):
    submit(client, officer_token)
    out = tmp_path / "public"
    args = ["--db", rekap.settings.db_url, "--data-dir", str(rekap.settings.data_dir), "publish", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "published version" in result.output and (out / "current.json").exists()
    assert "nothing written" in CliRunner().invoke(cli, args).output


def test_publish_to_s3(client, rekap, officer_token, s3_endpoint, s3_bucket):
    import boto3

    bucket = s3_bucket
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    submit(client, officer_token)
    sink = snapshots.open_sink(f"s3://{bucket}/pemilu", endpoint_url=s3_endpoint)
    first = rekap.publisher.publish(sink)
    pointer = s3.get_object(Bucket=bucket, Key="pemilu/current.json")
    assert json.loads(pointer["Body"].read())["version"] == first.version
    assert pointer["CacheControl"] == snapshots.SHORT
    assert root_of(sink)["progress"]["tps_reported"] == 1
    key = read(sink, "current.json")["contests"][CONTEST]["root"]
    assert s3.get_object(Bucket=bucket, Key=f"pemilu/{key}")["CacheControl"] == snapshots.IMMUTABLE

    submit(client, officer_token, tps=OTHER_TPS, dpt=300, votes=(100, 120))
    assert rekap.publisher.publish(sink).files == 4
    assert root_of(sink)["progress"]["tps_reported"] == 2
