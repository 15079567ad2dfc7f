"""Static snapshots: what the API serves, written once per change, linked from a small pointer, on disk and S3."""

import json

from conftest import CONTEST, TPS, clean_result
from recap_story import KECAMATAN, KEL_A, KEL_B, auth, cideng_recounted, url
from typer.testing import CliRunner

from rekap.cli.main import app as cli
from rekap.domain.result import Result
from rekap.domain.submission import Submission
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


def test_recaps_are_published_beside_the_totals_and_republished_only_where_they_changed(client, rekap, tmp_path):
    """Each region's recap file is what the API serves, reached from current.json down the tree; a late C1 rewrites
    the recap files on its path, a step at a kelurahan its own and those above it, nothing else."""
    op = cideng_recounted(client, rekap)
    sink = snapshots.DirectorySink(tmp_path / "public")
    first = rekap.publisher.publish(sink)
    assert first.recap_files == 4  # Cideng, Gambir, Jakarta Pusat, DKI

    def recap_file(region):
        node = read(sink, read(sink, "current.json")["contests"][CONTEST]["recap"])
        for code in ("31.71", KECAMATAN, KEL_B)[: ("31", "31.71", KECAMATAN, KEL_B).index(region)]:
            node = read(sink, next(c["recap"] for c in node["children"] if c["region"]["code"] == code))
        return node

    for region in ("31", "31.71", KECAMATAN, KEL_B):
        assert recap_file(region)["recap"] == client.get(url(region)).json(), region
    kecamatan = recap_file(KECAMATAN)
    lines = {c["region"]["code"]: c for c in kecamatan["children"]}
    assert kecamatan["recap"]["status"] == "signed_off" and len(kecamatan["recap"]["differences"]) == 3
    assert (lines[KEL_B]["status"], lines[KEL_B]["differences"]) == ("entered", 3)
    assert lines[KEL_A]["recap"] is None and lines[KEL_A]["status"] == "not_started"
    assert rekap.publisher.publish(sink).recap_files == 0

    info = rekap.tokens.authenticate(rekap.tokens.create("KPPS", "officer", "test")[1])
    tps = "31.71.01.1003-001"
    dpt = rekap.writer.state.tps[tps].dpt
    late_c1 = Result({2: 10, 3: 10}, 20, 0, 20, dpt - 20, 0, dpt, 0, 0, 20)
    rekap.submissions.submit(info, Submission(tps, CONTEST, late_c1))
    late = rekap.publisher.publish(sink)
    assert sorted(read(sink, f"versions/{late.version}.json")["recaps"][CONTEST]) == ["31", "31.71", KECAMATAN]
    assert recap_file(KECAMATAN)["recap"] == client.get(url(KECAMATAN)).json() != kecamatan["recap"]

    client.post(url(KEL_A, "start"), headers=auth(op))
    step = rekap.publisher.publish(sink)
    assert sorted(read(sink, f"versions/{step.version}.json")["recaps"][CONTEST]) == ["31", "31.71", KECAMATAN, KEL_A]
    assert {c["region"]["code"]: c["status"] for c in recap_file(KECAMATAN)["children"]}[KEL_A] == "in_plenary"
