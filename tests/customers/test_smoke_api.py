def test_agent_creates_and_reads_customer(api_as, agent_a, store_a):
    client = api_as(agent_a)
    response = client.post(
        "/api/v1/customers", {"name": "赵敏", "mobile": "13800138000"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile_masked"] == "138****8000"
    assert body["store_id"] == store_a.pk
