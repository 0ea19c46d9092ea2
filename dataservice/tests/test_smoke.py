def test_it_creates_and_reads_a_runner(client, token):
    r = client.post("/api/v1/users", json={"email": "A@x.org", "password": "0123456789ab"},
                    headers=token(scope="users:write"))
    assert r.status_code == 201, r.json
    uid = r.json["id"]
    r = client.get(f"/api/v1/users/{uid}", headers=token(runner=uid))
    assert r.status_code == 200, r.json
    r = client.post(f"/api/v1/users/{uid}/runs", headers=token(runner=uid), json={
        "start_time": "2026-01-02T07:00:00Z", "distance": 5010, "moving_time": 1500,
        "elapsed_time": 1600})
    assert r.status_code == 201, r.json
    r = client.get(f"/api/v1/runs/{uid}/2026/1", headers=token(runner=uid))
    assert r.status_code == 200 and r.json["count"] == 1, r.json
