"""At rest: the instance folder is 0700 and its files 0600. ECABINET_STORAGE_DIR (documents,
originals of confidential documents, signed PDFs, audit checkpoints) may be set elsewhere
(a bigger volume); there the stored files are 0640 and their folders keep the umask's 0755:
the group reads every confidential original and anyone lists the tree."""

import os
import stat


def test_storage_outside_the_instance_is_private(make_app, tmp_path):
    store = tmp_path / "volume" / "ecabinet-files"
    app = make_app(STORAGE_DIR=str(store))
    from ecabinet import storage

    old = os.umask(0o022)
    try:
        with app.app_context():
            digest = storage.put(b"%PDF-1.4 mat")
            path = storage.path_for(digest)
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in (store, path.parent.parent, path.parent, path)}
    too_open = {name: mode for name, mode in modes.items() if int(mode, 8) & 0o077}
    assert too_open == {}, too_open
