"""Task log handlers of the Amazon provider (``[logging] remote_base_log_folder = s3://...``)."""
