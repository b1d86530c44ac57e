from datetime import UTC, datetime, timedelta

def test_count(make_user, catalog, timesheets, backend):
    user = make_user("ROLE_TEAMLEAD")
    work = catalog.work()
    timesheets.many(user, work, 12)
    with user.client() as client:
        client.get("/api/timesheets")
        for params in ({"size": 5}, {"size": 50}, {"size": 5, "full": "true"}, {"size": 50, "full": "true"}):
            counter = backend.count_queries()
            client.get("/api/timesheets", params=params)
            print(params, len(counter))
            for s in counter.statements: print("   ", s[:150].replace("\n"," "))
        counter = backend.count_queries()
        r = client.post("/api/timesheets", json={"project": work.project.id, "activity": work.activity.id})
        print("start", len(counter))
        for s in counter.statements: print("   ", s[:150].replace("\n"," "))
        counter = backend.count_queries()
        client.patch(f"/api/timesheets/{r.json()['id']}/stop")
        print("stop", len(counter))
        for s in counter.statements: print("   ", s[:150].replace("\n"," "))
