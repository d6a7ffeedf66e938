#pragma once
// A small trace whose answers to q4, q5, q6 and q10 are counted by hand in
// those tests. Columns of task_events: time, missing_info, job_id, task_index,
// machine_id, event_type, user, scheduling_class, priority, cpu_request,
// memory_request, disk_request, different_machines_restriction.
//
// Tasks (job, index), class, priority, machines, events:
//  (10,0) c0 p0  m1, m2  SUBMIT, SCHEDULE m1, EVICT m1, SCHEDULE m2, FINISH
//  (10,1) c0 p0  m1      SUBMIT, SCHEDULE m1, EVICT m1, SCHEDULE m1, KILL
//  (10,2) c0 p0  -       SUBMIT, KILL with an empty machine_id (pending)
//  (20,0) c2 p9  m2      SUBMIT, SCHEDULE at the same timestamp, FAIL
//  (20,1) c2 p9  m2      SUBMIT, SCHEDULE, LOST
//  (30,0) c3 p11 m3      SUBMIT, SCHEDULE, FINISH   (in the second shard)
//  (40,0) c5 p2->p4 m1   SUBMIT p2, SCHEDULE p2, UPDATE_RUNNING p4, EVICT p4
// Machines: m1 0.5/0.5, m2 1/1, m3 first ADD empty, then 0.5/0.25.

#include "test_support.h"

namespace borgscope::testing {

inline constexpr char kFixtureMachineEvents[] =
    "0,1,0,P,0.5,0.5\n"
    "0,2,0,P,1,1\n"
    "0,3,0,P,,\n"
    "10,3,2,P,0.5,0.25\n";

inline constexpr char kFixtureJobEvents[] =
    "90,,10,0,U,0,N,L\n"
    "100,,20,0,U,2,N,L\n"
    "100,,30,0,U,3,N,L\n"
    "100,,40,0,U,5,N,L\n"
    "100,,50,0,U,1,N,L\n"
    "110,,20,1,U,2,N,L\n"
    "120,,30,1,U,3,N,L\n"
    "130,,40,1,U,5,N,L\n"
    "150,,40,6,U,5,N,L\n"
    "200,,10,1,U,0,N,L\n"
    "200,,50,2,U,1,N,L\n"
    "600,,10,4,U,0,N,L\n"
    "800,,20,3,U,2,N,L\n"
    "900,,30,5,U,3,N,L\n";

inline constexpr char kFixtureTaskEventsShard0[] =
    "100,,10,0,,0,U,0,0,0.25,0.125,,\n"
    "100,,10,1,,0,U,0,0,0.25,0.125,,\n"
    "100,,10,2,,0,U,0,0,0.25,0.125,,\n"
    "100,,20,0,,0,U,2,9,0.5,0.5,,\n"
    "100,,20,0,2,1,U,2,9,0.5,0.5,,\n"
    "100,,20,1,,0,U,2,9,0.5,0.5,,\n"
    "100,,40,0,,0,U,5,2,0.125,0.125,,\n"
    "110,,20,1,2,1,U,2,9,0.5,0.5,,\n"
    "130,,40,0,1,1,U,5,2,0.125,0.125,,\n"
    "135,,40,0,1,8,U,5,4,0.125,0.125,,\n"
    "140,,40,0,1,2,U,5,4,0.125,0.125,,\n"
    "150,,10,2,,5,U,0,0,,,,\n"
    "200,,10,0,1,1,U,0,0,0.25,0.125,,\n"
    "200,,10,1,1,1,U,0,0,0.25,0.125,,\n"
    "300,,10,0,1,2,U,0,0,0.25,0.125,,\n"
    "300,,10,1,1,2,U,0,0,0.25,0.125,,\n";

inline constexpr char kFixtureTaskEventsShard1[] =
    "100,,30,0,,0,U,3,11,1,1,,\n"
    "120,,30,0,3,1,U,3,11,1,1,,\n"
    "350,,10,1,1,1,U,0,0,0.25,0.125,,\n"
    "400,,10,0,2,1,U,0,0,0.25,0.125,,\n"
    "500,,10,0,2,4,U,0,0,0.25,0.125,,\n"
    "600,,10,1,1,5,U,0,0,0.25,0.125,,\n"
    "700,,20,0,2,3,U,2,9,0.5,0.5,,\n"
    "800,,20,1,2,6,U,2,9,0.5,0.5,,\n"
    "900,,30,0,3,4,U,3,11,1,1,,\n";

inline void AddTaskFixture(FixtureTrace& trace) {
  trace.AddShard(Table::kMachineEvents, kFixtureMachineEvents);
  trace.AddShard(Table::kJobEvents, kFixtureJobEvents);
  trace.AddShard(Table::kTaskEvents, kFixtureTaskEventsShard0, 0, 2);
  trace.AddShard(Table::kTaskEvents, kFixtureTaskEventsShard1, 1, 2);
}

}  // namespace borgscope::testing
