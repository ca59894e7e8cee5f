"""Signature and seal images: who may upload what, and what is accepted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import images
from ecabinet.signing.images import demo_seal, demo_signature
from tests.conftest import AuthActions, bearer, csrf_from


def _png(mode="RGBA", size=(300, 120), colour=(0, 0, 200, 0)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour[: len(mode)]).save(out, format="PNG")
    return out.getvalue()


def test_demo_images_are_transparent_pngs():
    for data in (demo_signature("Nguyễn Văn Ký"), demo_seal("Văn phòng Chính phủ")):
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "PNG" and picture.mode == "RGBA"
        low, high = picture.getchannel("A").getextrema()
        assert low == 0 and high == 255


@pytest.fixture
def people(app, make_user):
    from ecabinet.database import unit_of_work
    from ecabinet.identity import services as identity

    signer = make_user("signer")
    member = make_user("member")
    clerk = make_user("clerk", organisation="Văn phòng Chính phủ")
    other_clerk = make_user("clerk", organisation="Bộ Tư pháp")
    admin = make_user("admin")
    with app.app_context(), unit_of_work():
        own = identity.organisation_named("Văn phòng Chính phủ").id
        other = identity.organisation_named("Bộ Tư pháp").id
    return {"signer": signer, "member": member, "clerk": clerk, "other_clerk": other_clerk,
            "admin": admin, "own": own, "other": other}


def _put(client, url, token, data, content_type="image/png"):
    return client.put(url, data=data, content_type=content_type, headers=bearer(token))


def test_signer_uploads_their_signature(app, client, people, token_for):
    token = token_for(people["signer"])
    good = demo_signature("x")
    response = _put(client, "/api/v1/me/signature-image", token, good)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["bytes"] == len(good)
    with app.app_context():
        assert images.signature_image(db.session.get(User, people["signer"].id)) == good
    response = client.put("/api/v1/me/signature-image", headers=bearer(token),
                          data={"file": (io.BytesIO(good), "ky.png")},
                          content_type="multipart/form-data")
    assert response.status_code == 200


@pytest.mark.parametrize("data,status,code", [
    (b"GIF89a...", 415, "not_png"),
    (_png("RGB", colour=(255, 255, 255)), 422, "image_not_transparent"),
    (_png("RGBA", colour=(0, 0, 200, 255)), 422, "image_not_transparent"),
    (_png(size=(10, 10)), 422, "image_size"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 422, "bad_image"),
])
def test_bad_images_are_refused(client, people, token_for, data, status, code):
    response = _put(client, "/api/v1/me/signature-image", token_for(people["signer"]), data)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_too_large_image(make_app, make_user, token_for):
    app = make_app(SIGNING_IMAGE_MAX_BYTES=2000)
    signer = make_user("signer")
    response = _put(app.test_client(), "/api/v1/me/signature-image", token_for(signer),
                    demo_signature("x") + b"\x00" * 3000)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "image_too_large"


def test_only_signers_upload_a_signature(client, people, token_for):
    response = _put(client, "/api/v1/me/signature-image", token_for(people["member"]),
                    demo_signature("x"))
    assert response.status_code == 403


def test_seal_upload_rules(app, client, people, token_for):
    seal = demo_seal("Văn phòng Chính phủ")
    own, other = people["own"], people["other"]
    url = "/api/v1/organisations/{}/seal-image"
    assert _put(client, url.format(own), token_for(people["clerk"]), seal).status_code == 200
    assert _put(client, url.format(other), token_for(people["clerk"]), seal).status_code == 403
    assert _put(client, url.format(own), token_for(people["member"]), seal).status_code == 403
    assert _put(client, url.format(other), token_for(people["admin"]), seal).status_code == 200
    assert _put(client, url.format(99999), token_for(people["admin"]), seal).status_code == 404
    with app.app_context():
        from ecabinet.identity.models import Organisation

        assert images.seal_image(db.session.get(Organisation, own)) == seal


def test_images_page(app, client, people):
    auth = AuthActions(app, client)
    auth.login(people["signer"])
    page = client.get("/signatures/images")
    assert page.status_code == 200
    assert 'action="/signatures/images/signature"' in page.text
    response = client.post("/signatures/images/signature", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(demo_signature("y")), "k.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/signatures/images")
    assert "data:image/png;base64," in page.text
    response = client.post("/signatures/images/signature", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"nope"), "k.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert "flash-error" in client.get("/signatures/images").text
    auth.logout()
    auth.login(people["member"])
    assert client.get("/signatures/images").status_code == 403
