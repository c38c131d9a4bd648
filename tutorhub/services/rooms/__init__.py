"""Video rooms (issue 19): who may join a lesson's or class session's SFU room and when, the join
tokens, and the presence record (join/leave per participant) behind attendance and disputes."""
