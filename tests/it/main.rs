mod attributes;
mod custom_message_judge;
mod events;
mod fixture;
mod in_process;
