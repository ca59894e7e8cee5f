"""The `ecabinet` command line: provisioning, the demo, migrations."""

import json

import pyotp
from sqlalchemy import func, select

from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity.models import User
from tests.conftest import PASSWORD


def test_create_user_then_token_then_me(app, runner, client):
    """The foundation's promise: a user made on the command line can use the API."""
    result = runner.invoke(args=[
        "create-user", "--email", "bt.tuphap@example.gov.vn", "--name", "Phạm Quốc Bảo",
        "--role", "member", "--password", PASSWORD, "--org", "Bộ Tư pháp", "--create-org",
        "--org-identifier", "000.00.00.G13", "--org-code", "BTP"])
    assert result.exit_code == 0, result.output
    assert "Created user" in result.output
    token = client.post("/api/v1/auth/token", json={"email": "bt.tuphap@example.gov.vn",
                                                    "password": PASSWORD}).get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.get_json()["name"] == "Phạm Quốc Bảo"


def test_create_user_with_totp_secret(app, runner, client):
    secret = pyotp.random_base32()
    result = runner.invoke(args=["create-user", "--email", "ky@example.gov.vn",
                                 "--name", "Người ký", "--role", "signer",
                                 "--password", PASSWORD, "--totp-secret", secret])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/auth/token", json={
        "email": "ky@example.gov.vn", "password": PASSWORD, "otp": pyotp.TOTP(secret).now()})
    assert response.status_code == 201


def test_create_user_refuses_bad_input_and_changes_nothing(app, runner):
    cases = [
        (["--role", "minister"], "minister"),
        (["--role", "member", "--password", "short"], "10"),
        (["--role", "member", "--totp-secret", "not base32!"], "TOTP"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=["create-user", "--email", "x@example.gov.vn", "--name", "X",
                                     "--password", PASSWORD, *extra])
        assert result.exit_code != 0
        assert message in result.output
    result = runner.invoke(args=["create-user", "--name", "No email", "--role", "member"])
    assert result.exit_code != 0 and "--email" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_twice_is_a_clear_error(runner):
    args = ["create-user", "--email", "a@example.gov.vn", "--name", "A", "--role", "member",
            "--password", PASSWORD]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "a@example.gov.vn" in again.output


def test_import_users_creates_then_updates(app, runner, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,name,role,organisation,password\n"
        "bt.noivu@example.gov.vn,Hoàng Anh Tuấn,member,Bộ Nội vụ,mat-khau-rat-dai\n"
        "thuky@example.gov.vn,Vũ Thị Lan,secretariat,Văn phòng Chính phủ,mat-khau-rat-dai\n",
        encoding="utf-8")
    first = runner.invoke(args=["import-users", str(roster)])
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated" in first.output
    roster.write_text(
        "email,name,role,organisation,password\n"
        "BT.NOIVU@example.gov.vn,Hoàng Anh Tuấn,\"member,signer\",Bộ Nội vụ,\n",
        encoding="utf-8")
    second = runner.invoke(args=["import-users", str(roster)])
    assert second.exit_code == 0, second.output
    assert "0 created, 1 updated" in second.output
    with app.app_context():
        user = identity.user_by_email("bt.noivu@example.gov.vn")
        assert {r.value for r in user.roles} == {"member", "signer"}
        assert user.organisation.name == "Bộ Nội vụ"
        assert db.session.scalar(select(func.count(User.id))) == 2


def test_import_with_a_bad_row_imports_nothing(app, runner, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name,role,organisation,password\n"
                      "ok@example.gov.vn,Đúng,member,,mat-khau-rat-dai\n"
                      "bad@example.gov.vn,Sai,emperor,,mat-khau-rat-dai\n", encoding="utf-8")
    result = runner.invoke(args=["import-users", str(roster)])
    assert result.exit_code == 1
    assert "3: " in result.output and "emperor" in result.output
    assert "Nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_import_with_a_wrong_header_is_refused(runner, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("mail;ten\nx;y\n", encoding="utf-8")
    result = runner.invoke(args=["import-users", str(roster)])
    assert result.exit_code == 1
    assert "header" in result.output


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "thutuong@ecabinet.gov.vn" in first.output
    with app.app_context():
        count = db.session.scalar(select(func.count(User.id)))
        pm = identity.user_by_email("thutuong@ecabinet.gov.vn")
        assert pm.title == "Thủ tướng Chính phủ" and pm.totp_enabled
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "0 created" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == count


def test_seed_demo_passwords_work_and_stay_out_of_the_code(app, runner, client):
    runner.invoke(args=["seed-demo"])
    credentials_file = app.instance_path + "/demo-accounts.json"
    with open(credentials_file) as handle:
        credentials = json.load(handle)
    member = credentials["bt.tuphap@ecabinet.gov.vn"]
    response = client.post("/api/v1/auth/token", json={
        "email": "bt.tuphap@ecabinet.gov.vn", "password": member["password"]})
    assert response.status_code == 201
    import os
    import stat

    assert stat.S_IMODE(os.stat(credentials_file).st_mode) == 0o600


def test_audit_verify_on_an_empty_trail(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "0 entries" in result.output


def test_seed_demo_prepares_a_published_meeting(app, runner):
    from ecabinet.meetings.models import Meeting

    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        meetings = db.session.scalars(select(Meeting)).all()
        assert len(meetings) == 1
        meeting = meetings[0]
        assert meeting.status == "published"
        assert meeting.chair.user.email == "thutuong@ecabinet.gov.vn"
        assert len(meeting.items) == 4 and any(item.confidential for item in meeting.items)
