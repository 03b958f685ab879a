"""confluent-kafka-python against Strata's schema registry and broker.

Usage: schema_registry_check.py REGISTRY_URL BOOTSTRAP RUN
RUN is a label ("first", "again"): each run registers (or finds) the schemas, checks an
incompatible change is refused, produces 5 Avro and 5 JSON records through the serializers,
produces one unframed record (which the topic's validation must refuse) and reads every
record of both topics back through the deserializers. Prints one JSON line with the results.
"""
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

url, bootstrap, run = sys.argv[1], sys.argv[2], sys.argv[3]
out = {"run": run}

AVRO_V1 = json.dumps({"type": "record", "name": "Reading", "namespace": "py", "fields": [
    {"name": "sensor", "type": "string"}, {"name": "value", "type": "double"}]})
AVRO_V2 = json.dumps({"type": "record", "name": "Reading", "namespace": "py", "fields": [
    {"name": "sensor", "type": "string"}, {"name": "value", "type": "double"},
    {"name": "unit", "type": "string", "default": "C"}]})
AVRO_BAD = json.dumps({"type": "record", "name": "Reading", "namespace": "py", "fields": [
    {"name": "sensor", "type": "int"}]})
JSON_V1 = json.dumps({"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                      "required": ["sku"], "additionalProperties": False})
JSON_V2 = json.dumps({"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"},
                      "note": {"type": "string"}}, "required": ["sku"], "additionalProperties": False})

sr = SchemaRegistryClient({"url": url})
out["avroV1"] = sr.register_schema("py-avro-value", Schema(AVRO_V1, "AVRO"))
out["avroV2"] = sr.register_schema("py-avro-value", Schema(AVRO_V2, "AVRO"))
out["jsonV1"] = sr.register_schema("py-json-value", Schema(JSON_V1, "JSON"))
out["jsonV2"] = sr.register_schema("py-json-value", Schema(JSON_V2, "JSON"))
out["latestAvroVersion"] = sr.get_latest_version("py-avro-value").version
out["compatibleBad"] = sr.test_compatibility("py-avro-value", Schema(AVRO_BAD, "AVRO"))
try:
    sr.register_schema("py-avro-value", Schema(AVRO_BAD, "AVRO"))
    out["refused"] = None
except SchemaRegistryError as e:
    out["refused"] = {"status": e.http_status_code, "code": e.error_code}
out["subjects"] = sorted(s for s in sr.get_subjects() if s.startswith("py-"))

avro_ser = AvroSerializer(sr, AVRO_V2, conf={"auto.register.schemas": False, "use.latest.version": True})
json_ser = JSONSerializer(JSON_V2, sr, conf={"auto.register.schemas": False, "use.latest.version": True})
producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
failures = []


def report(err, msg):
    if err is not None:
        failures.append(err.name())


for i in range(5):
    value = {"sensor": f"{run}-{i}", "value": i * 1.5, "unit": "K"}
    producer.produce("py-avro", value=avro_ser(value, SerializationContext("py-avro", MessageField.VALUE)), on_delivery=report)
    doc = {"sku": f"{run}-{i}", "qty": i}
    producer.produce("py-json", value=json_ser(doc, SerializationContext("py-json", MessageField.VALUE)), on_delivery=report)
producer.flush(30)
out["produceFailures"] = failures[:]

# A record without the schema registry framing: the topic's validation refuses it.
refused = []
raw = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": False, "acks": "all", "retries": 0})
raw.produce("py-avro", value=b"not framed", on_delivery=lambda err, msg: refused.append(None if err is None else err.name()))
raw.flush(30)
out["unframed"] = refused

avro_de = AvroDeserializer(sr)
json_de = JSONDeserializer(None, schema_registry_client=sr)
seen = {}
for topic, de in (("py-avro", avro_de), ("py-json", json_de)):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"py-check-{run}-{topic}", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    records = []
    empty_polls = 0
    while empty_polls < 3:
        msg = consumer.poll(1.0)
        if msg is None:
            empty_polls += 1 if records else 0.2
            continue
        if msg.error():
            raise KafkaException(msg.error())
        records.append(de(msg.value(), SerializationContext(topic, MessageField.VALUE)))
        empty_polls = 0
    consumer.close()
    seen[topic] = records
out["avroRecords"] = [f'{r["sensor"]}:{r["unit"]}' for r in seen["py-avro"]]
out["jsonRecords"] = [r["sku"] for r in seen["py-json"]]
print(json.dumps(out))
