#!/usr/bin/env python3
# Independent reference for q2 (power lost to maintenance), used to derive the
# expected values of tests/analyses/q02_power_lost_test.cc. Plain Python, exact
# Decimal arithmetic; reads one machine_events shard.
import gzip, sys
from decimal import Decimal
rows=[]
for i,l in enumerate(gzip.open(sys.argv[1],'rt')):
    f=l.rstrip('\n').split(',')
    rows.append((int(f[0]),i,int(f[1]),int(f[2]),f[4]))
rows.sort()
trace_end=max(r[0] for r in rows)
cpus={}
for t,i,m,e,c in rows:
    if c!='': cpus[m]=Decimal(c)
st={}; first={}; down={}
periods=0; mp=set(); lost=Decimal(0); cap=Decimal(0)
buckets=[15*60e6,3600e6,6*3600e6,24*3600e6,7*24*3600e6]
bp=[0]*6; bl=[Decimal(0)]*6
for t,i,m,e,c in rows:
    if e==2: continue
    cp=cpus.get(m,Decimal(0))
    if e==0:
        if m not in first: first[m]=t; cap+=cp*(trace_end-t)
        if st.get(m)=='down':
            L=t-down[m]; periods+=1; mp.add(m); lost+=cp*L
            b=0
            while b<5 and L>=buckets[b]: b+=1
            bp[b]+=1; bl[b]+=cp*L
        st[m]='up'
    else:
        if st.get(m)!='down': down[m]=t; st[m]='down'
rem=[m for m in st if st[m]=='down']
lr=sum(cpus.get(m,Decimal(0))*(trace_end-down[m]) for m in rem)
print(periods,len(mp),lost,cap,lost/cap*100,len(rem),(lost+lr)/cap*100)
print(bp,[str(x) for x in bl])
